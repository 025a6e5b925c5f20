"""Cases: a request worked from intake to closure.

A case carries the request document, every screening decision made on it (with its bundle
revision and legal date), the reviewer's acknowledgements, the approvals, the deadlines, the
preservation holds and any non-disclosure order. This package holds the rules of that work
as pure functions (the lifecycle's transitions and guards, deadlines, holds, confidentiality);
storage and the HTTP API build on them.
"""
