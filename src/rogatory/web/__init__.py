"""The web application for the people who work the queue: server-rendered pages (Jinja2) with
HTMX for the live parts, calling the feature services directly. Everything it needs, scripts
and styles included, is served from this package: no request leaves the machine."""
