"""Storage and workflow of the compliance feature: the national register imported into the
database with its history (who changed what, when), subscriptions per State and the notices
due to each subscriber, and each organisation's stored assessments with their requirements
(status, owner, due date, evidence) and review history. The legal logic is
``rogatory.compliance``; this package keeps and audits it."""
