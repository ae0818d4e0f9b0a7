import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.content.store import ContentStore
from bot.content.sync import sync_content
from bot.db.engine import create_database_engine
from bot.db.migrate import upgrade

POSTGRES = os.environ.get("DIGIBRIDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


@contextlib.contextmanager
def postgres_database(prefix: str = "digibridge_test") -> Iterator[str]:
    """A new database of the test's own on the local PostgreSQL, dropped afterwards."""
    import psycopg2

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    server = psycopg2.connect(f"{POSTGRES}/postgres")
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield f"{POSTGRES}/{name}"
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        server.close()


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of the shipped content that a test may break."""
    target = tmp_path / "data" / "content"
    shutil.copytree(PROJECT_ROOT / "data" / "content", target)
    return target


@pytest.fixture
def engine(tmp_path: Path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'content.sqlite3'}")
    upgrade(engine, load_content=False)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine) -> ContentStore:
    sync_content(engine)
    return ContentStore(engine)
