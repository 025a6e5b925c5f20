"""Who may send requests, and how a provider checks that they did.

``registry`` holds the dated records of the authorities of each State (the depositary's
notifications, an organisation's own verified entries), with their official e-mail domains,
call-back numbers and public keys; ``signed`` signs and verifies request documents (JWS,
Ed25519); ``service`` stores the registry per organisation, audits every change, and
verifies a signed request at intake, refusing replays.
"""
