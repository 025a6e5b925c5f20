"""Reasoned replies to the requesting authority, drafted from the case's decision.

A requested State gives reasons when it refuses or postpones assistance (the model UNTOC
Art 18(23) of the Convention's Art 40), tells the requesting State when it cannot keep a
request confidential (18(20)), and says what it needs when a request is incomplete. This
package drafts each such letter from what the case holds (``facts``), renders it from a
template an organisation can edit (``templates``), and carries it through edit, approval
where four eyes apply, and sending (``service``): the sent text is stored, hashed and audited
with the case, bound to the screening and the decision it was drafted from.
"""
