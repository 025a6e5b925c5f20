"""States Parties: who signed, ratified, reserved or denounced, and from when they are bound.

Governed by the final clauses (UNCC Arts 64, 65, 67) and the provisions that allow reservations,
declarations and notifications (e.g. Art 11(3); central authorities under Art 40 and 24/7
points of contact under Art 41, both unverified). Every query takes an ``on`` date: the answer
is what the instruments deposited by that date imply, so a decision can be reproduced later.
"""
