"""Evidence: the files a case hands over, stored once and never modified.

A file is streamed to disk while it is hashed, refused past the size limit, made read-only,
and recorded with its SHA-256 and size at upload; a disclosure's manifest lists exactly those
hashes, so the recipient can prove the files they received are the files that were produced.
"""
