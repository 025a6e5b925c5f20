"""What an organisation signs with, and what it signs about its own record.

Its Ed25519 signing keys are stored encrypted (envelope encryption under a key-encryption key
the database never holds), rotated with their validity periods published, and used for
custody receipts and for signed checkpoints of its audit chain's head: a copy of the head that
a customer or auditor keeps elsewhere, so that deleting the chain's last events, the whole
chain, or rewriting it with recomputed hashes no longer goes unseen.
"""
