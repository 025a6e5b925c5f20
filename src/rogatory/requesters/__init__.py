"""Requesting authorities' own accounts (issue 12): sign-up from an official email address
of an authority in the provider's registry, email verification through the outbox, a TOTP
second factor, the admin's approval, and what such an account sees of its own requests.

Above the notifications in the layers: the verification link is an outbox message.
"""
