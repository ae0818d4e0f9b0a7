"""The core assembled from the settings, for `digibridge up` and `digibridge telegram`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import lru_cache

from sqlalchemy.engine import Engine

from bot import PROJECT_ROOT
from bot.admin.local_settings import LocalSettingsStore
from bot.content.store import ContentStore
from bot.conversation.replies import greeting
from bot.core.assistant import Assistant
from bot.core.erasure import Eraser
from bot.core.locks import conversation_locks
from bot.core.people import PeopleStore
from bot.core.rasa_client import RasaClient, RasaPool
from bot.db.engine import create_database_engine
from bot.dialogue import payload_intents
from bot.i18n.detect import Vocabulary
from bot.lessons.catalogue import Lessons, load_lessons
from bot.lessons.flow import LessonFlow
from bot.lessons.library import LessonLibrary
from bot.lessons.progress import ProgressStore
from bot.settings import Settings
from bot.speech.answers import AnswerSpeech
from bot.speech.cache import SpeechCache
from bot.speech.service import SpeechService
from bot.workshops.chat import LearningChat
from bot.workshops.links import TrainerLinks
from bot.workshops.pacing import Pacing
from bot.workshops.store import WorkshopStore
from bot.workshops.trainer_chat import TrainerChat

# Rasa may take longer than the person is kept waiting; the turn keeps its lock (and so
# holds back an erasure) until Rasa has answered or this much longer has passed.
RASA_GRACE_SECONDS = 30.0


@lru_cache(maxsize=1)
def training_vocabulary() -> Vocabulary:
    return Vocabulary.from_nlu_dir(PROJECT_ROOT / "data" / "nlu")


@lru_cache(maxsize=1)
def shipped_lessons() -> Lessons:
    """The lessons of `data/lessons/`, read and checked once, when first needed."""
    return load_lessons()


def learning_chat(engine: Engine, store: ContentStore) -> LearningChat:
    library = LessonLibrary(engine)
    flow = LessonFlow(library.current, store, ProgressStore(engine))
    return LearningChat(flow, WorkshopStore(engine), library)


def answer_speech(
    settings: Settings, store: ContentStore, local_settings: LocalSettingsStore
) -> AnswerSpeech:
    cache = SpeechCache(settings.speech_cache_dir, settings.speech_cache_mb * 1024 * 1024)
    return AnswerSpeech(store, local_settings, SpeechService(cache))


@contextlib.asynccontextmanager
async def running_core(
    settings: Settings, rasa_token: str, channel_secret: str
) -> AsyncIterator[tuple[RasaPool, Assistant]]:
    engine = create_database_engine(settings.content_database_url)
    rasa = RasaPool(
        [
            RasaClient(url, rasa_token, settings.reply_timeout + RASA_GRACE_SECONDS, channel_secret)
            for url in settings.rasa_base_urls
        ]
    )
    store = ContentStore(engine)
    local_settings = LocalSettingsStore(engine, settings.local_values())
    async with rasa:
        assistant = Assistant(
            rasa,
            PeopleStore(engine),
            Eraser(engine, settings.tracker_database_url),
            conversation_locks(settings.redis_url),
            payload_intents(),
            settings.reply_timeout,
            vocabulary=training_vocabulary,
            speech=answer_speech(settings, store, local_settings),
            greeting=lambda language: greeting(store, language, local_settings.values()),
            learning=learning_chat(engine, store),
        )
        assistant.trainer = TrainerChat(Pacing(assistant), TrainerLinks(engine))
        # Deciding the language of "I'm having trouble" reads the training vocabulary (3 s
        # and more on a busy machine): read it now, while Rasa starts, or the first apology
        # of an outage comes seconds after the reply timeout.
        vocabulary = asyncio.get_running_loop().run_in_executor(None, training_vocabulary)
        try:
            yield rasa, assistant
        finally:
            await asyncio.gather(vocabulary, return_exceptions=True)
            await assistant.close()
            engine.dispose()
