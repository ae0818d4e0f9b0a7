"""What the action server needs for every turn, built once on first use (not at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy.engine import Engine

from bot import PROJECT_ROOT
from bot.admin.local_settings import LocalSettingsStore
from bot.content.store import ContentStore
from bot.db.engine import create_database_engine
from bot.i18n.detect import Vocabulary
from bot.settings import Settings

# Set by `digibridge up` for its children, which get every setting they need from it and
# must not read `.env` (it may hold secrets they have no use for).
CHILD_MARKER = "DIGIBRIDGE_RUNTIME_CHILD"


@dataclass(frozen=True)
class AssistantContext:
    settings: Settings
    store: ContentStore
    vocabulary: Vocabulary
    local_settings: LocalSettingsStore
    engine: Engine

    @property
    def local_values(self) -> dict[str, str]:
        """As administrators last set them (read at every use, so a change is live at once)."""
        return self.local_settings.values()


@lru_cache(maxsize=1)
def assistant_context() -> AssistantContext:
    dotenv = Path(os.devnull) if os.environ.get(CHILD_MARKER) else None
    settings = Settings.from_env(dotenv=dotenv)
    engine = create_database_engine(settings.content_database_url)
    return AssistantContext(
        settings=settings,
        store=ContentStore(engine),
        vocabulary=Vocabulary.from_nlu_dir(PROJECT_ROOT / "data" / "nlu"),
        local_settings=LocalSettingsStore(engine, settings.local_values()),
        engine=engine,
    )
