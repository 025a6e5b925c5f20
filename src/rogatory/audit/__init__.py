"""The tamper-evident record: every write appends an event to a hash chain.

An auditor must be able to prove years later that nobody rewrote the record of who decided
what, when and on which legal basis. Each event's hash covers its canonical JSON and the
previous event's hash, so editing, deleting or reordering any event breaks the chain at that
point, and ``rogatory audit verify`` names the first broken link.
"""
