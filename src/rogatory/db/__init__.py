"""The storage adapter: engines for SQLite and PostgreSQL, sessions, and Alembic migrations.

Features keep their ORM models next to their services (``rogatory.audit.models``); this
package only knows how to connect and how to bring a database schema up to date.
"""
