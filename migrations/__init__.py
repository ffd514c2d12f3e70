"""Alembic migrations. Every schema change is a revision here; tests compare them with the models."""
