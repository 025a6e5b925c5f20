"""Screening a cross-border request against the Convention, with reasons.

Given a request and a date, the engine says whether the Convention applies between the two
states (Art 65), whether the request is within its scope (Art 35 with Art 2(h)), complete
(Arts 40, 42, 45, 46), consistent (the data fits the measure), which grounds for refusal are
engaged (Art 40(21) and (22)), which safeguards apply (Arts 6, 24, 36), and which reservations
of the requested State change the answer. Every finding cites its article and paragraph and
says whether that provision is verified. It never clears automatically what a careful lawyer
would stop: discretionary grounds, human-rights signals, intrusive measures and rule errors all
lead to ``review``.
"""
