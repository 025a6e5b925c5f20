"""The HTTP API under ``/api/v1``: a thin adapter over the case flows.

Errors are RFC 9457 problem+json everywhere (mapped in one place, ``problems``), operation ids
are stable, lists are cursor-paginated, and case creation honours ``Idempotency-Key``.
"""
