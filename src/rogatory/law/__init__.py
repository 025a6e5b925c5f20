"""A generic engine for law as data: dated values, citations, provisions and bundles.

Nothing here knows the Convention against Cybercrime. A *bundle* is a folder of YAML/CSV files
describing one instrument (its provisions, its dated constants, its final clauses); this package
loads and validates such a folder, reports every problem with file and key path, hashes it into
a revision, and offers the date calculus (entry into force, delays) that any treaty's final
clauses need. The Convention's model in ``rogatory.treaty`` and ``rogatory.parties`` is built
on it, and a second bundle (UNTOC) proves that it is generic.
"""
