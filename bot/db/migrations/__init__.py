"""Alembic migrations of the project's tables (`digibridge db upgrade`)."""
