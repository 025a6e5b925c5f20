"""Notifications: email and webhooks for what needs someone's attention, through an outbox.

A notice is written to the outbox in the same transaction as the audit event that causes it
(``outbox.on_event``), or by the worker's scan for what time makes due (deadlines at risk,
holds about to lapse, lapsed non-disclosure orders); ``rogatory worker`` delivers it. A crash
before the commit leaves neither event nor notice; a crash during delivery leaves the notice
pending, so it is sent again with the same delivery id (Message-ID, X-Rogatory-Delivery) a
receiver deduplicates on: nothing is lost, and nothing arrives as two different notices.
"""
