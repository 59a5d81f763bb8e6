"""Alembic migrations: the only way Flowdesk's schema is created or changed."""
