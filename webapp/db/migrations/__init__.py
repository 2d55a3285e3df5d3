"""Alembic migrations for the bookmark store (shipped with the package)."""
