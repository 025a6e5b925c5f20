"""Disclosure: what was handed over, to whom and when, signed so that anyone can check it.

A custody receipt is a manifest (case, recipient, time, and each file's SHA-256 and size)
signed with the disclosing organisation's Ed25519 key. The recipient, a court or an auditor
verifies it with the public key alone (``rogatory receipt verify``), and can check the files
they received against the manifest: non-repudiation of the hand-over, as the EU e-Evidence
exchange requires of signed delivery receipts.
"""
