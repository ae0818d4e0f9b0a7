"""`digibridge db upgrade`: the schema to the newest migration, and the first content load.

Several instances may start together on an empty database: the whole step runs under a
PostgreSQL advisory lock (an exclusive file lock beside an SQLite file), so one of them
migrates and loads the shipped content while the others wait, then find nothing to do.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001"
# The tables of the baseline migration, which a pre-migration database is given.
BASELINE_TABLES = ("answers", "conversations", "families", "family_titles", "outbox", "topics")
ADVISORY_LOCK_KEY = 0x44696769  # "Digi": any fixed 64-bit number shared by every instance


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


@contextlib.contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                connection.commit()
    elif url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        with open(f"{url.database}.migrate.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
    else:
        yield


def _adopt_unversioned(engine: Engine) -> None:
    """A database made before migrations existed (tables, no version): add the tables it
    lacks and mark it as the first migration, so later ones apply to it as to any other."""
    tables = set(inspect(engine).get_table_names())
    if "topics" in tables and "alembic_version" not in tables:
        from bot.db.migrations.models import metadata

        baseline = [t for name, t in metadata().tables.items() if name in BASELINE_TABLES]
        metadata().create_all(engine, tables=baseline)
        command.stamp(alembic_config(engine), BASELINE)
        logger.info("database from before migrations: adopted as revision %s", BASELINE)


def upgrade(engine: Engine, load_content: bool = True) -> bool:
    """Migrates to the newest schema; loads the shipped content into an empty database.

    True when this call loaded the content.
    """
    from bot.content.sync import has_content, sync_content

    with _exclusive(engine):
        _adopt_unversioned(engine)
        command.upgrade(alembic_config(engine), "head")
        if load_content and not has_content(engine):
            report = sync_content(engine)
            logger.info("content loaded: %s", report.summary().splitlines()[0])
            return True
    return False
