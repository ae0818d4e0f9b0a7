"""Looking for a person in every table of a database, whatever tables it has."""

from __future__ import annotations

from sqlalchemy import String, Text, create_engine, func, inspect, or_, select
from sqlalchemy.schema import MetaData


def rows_mentioning(url: str, needle: str) -> dict[str, int]:
    """Rows of every table with a text column containing `needle`, by table."""
    engine = create_engine(url, future=True)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        found: dict[str, int] = {}
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, (String, Text))] or list(
                    table.columns
                )
                condition = or_(*(func.cast(c, Text).contains(needle) for c in columns))
                count = connection.execute(
                    select(func.count()).select_from(table).where(condition)
                ).scalar_one()
                if count:
                    found[table.name] = count
        return found
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url, future=True)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
