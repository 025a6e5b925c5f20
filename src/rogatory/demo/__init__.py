"""A realistic demo: two organisations and about 200 cases across states, measures and
outcomes, created through the real services so the audit chain verifies.

The demo's world is fictional: the Convention is not in force today, so the demo adds the
accessions of fictional test states (XAA-XBP, ``instruments.csv``) that bring it into force in
2026. Real states keep their real (shipped) signatures; a request from one of them screens as
``not_in_force``, as it would today.
"""
