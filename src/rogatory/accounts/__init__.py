"""People and machines that act for an organisation: users with roles, and API tokens.

Passwords are hashed with argon2; API tokens are shown once and stored only as a SHA-256 hash
(they are long random secrets, so a fast hash is enough and lets every request be checked
cheaply). Tokens carry scopes, expire, and can be revoked; every query made with them is
scoped to their organisation.
"""
