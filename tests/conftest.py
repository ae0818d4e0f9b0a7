import shutil
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.content.store import ContentStore
from bot.content.sync import sync_content
from bot.db.engine import create_database_engine
from bot.db.migrate import upgrade


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
