"""A case as a lawyer reads it, and the case file: one document per case for the file or a
court.

``reading`` turns the request document into a structured summary and groups the findings by
what they mean for the decision; ``timeline`` says each audit event in words; ``document``
gathers the whole case (request, screenings, decisions, replies, holds, disclosures with
their receipts, and the audit events with the chain head they verify against); ``render``
writes it as HTML that prints well, or PDF; ``issue`` records the SHA-256 of each file issued
in the audit chain; ``verify`` holds a case file against the chain.
"""
