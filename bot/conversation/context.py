"""What the action server needs for every turn, built once on first use (not at import)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot import PROJECT_ROOT
from bot.content.database import create_content_engine
from bot.content.store import ContentStore
from bot.i18n.detect import Vocabulary
from bot.settings import Settings


@dataclass(frozen=True)
class AssistantContext:
    settings: Settings
    store: ContentStore
    vocabulary: Vocabulary

    @property
    def local_values(self) -> dict[str, str]:
        return self.settings.local_values()


@lru_cache(maxsize=1)
def assistant_context() -> AssistantContext:
    settings = Settings.from_env()
    return AssistantContext(
        settings=settings,
        store=ContentStore(create_content_engine(settings.content_database_url)),
        vocabulary=Vocabulary.from_nlu_dir(PROJECT_ROOT / "data" / "nlu"),
    )
