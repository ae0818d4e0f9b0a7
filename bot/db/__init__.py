"""The project's own database: one SQLAlchemy metadata, engines, Alembic migrations."""
