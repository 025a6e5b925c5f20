"""The Convention's text as a model: chapters, articles, paragraphs and dated constants.

Loads the bundles shipped under ``rogatory/rules`` (the UN Convention against Cybercrime as
``uncc``; the Budapest Convention as ``budapest``; the UNTOC final clauses as ``untoc``) and the
crosswalks between them, and answers the questions a lawyer asks of a text: show me Article 42,
paragraph 40(22), every article that mentions preservation, what it is in the other treaty, and
how sure are we of each.
"""
