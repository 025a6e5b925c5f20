"""For the companies the Convention reaches: their obligations, each State's implementation,
and a compliance assessment of a company's footprint.

Domain only (no web, database or terminal framework): ``obligations`` reads the catalogue in
the treaty bundle, ``laws`` the national implementation register, ``footprint`` a company's
description of itself, ``gaps`` the rules that find what it lacks, ``assessment`` puts them
together as of a date, ``diff`` compares two assessments, ``changes`` and ``feed`` say what
changed in the register. Storage and review live in ``rogatory.assessments``.
"""
