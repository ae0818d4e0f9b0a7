"""The speech of the assistant's own answers, and never of any other text.

A channel asks for the speech of a reply by its `listen` key (a topic, or "topic/more")
and language; the text is looked up in the content as it is shown now, so nobody can make
the server say something of their choosing, and an edited answer is heard as edited.
"""

from __future__ import annotations

import asyncio
from functools import partial

from bot.admin.local_settings import LocalSettingsStore
from bot.content.store import ContentStore
from bot.conversation.replies import answer_text
from bot.i18n.locales import SUPPORTED_LANGUAGES
from bot.speech.service import Speech, SpeechService

MAX_LISTEN_CHARS = 120


class AnswerSpeech:
    def __init__(
        self, store: ContentStore, local_settings: LocalSettingsStore, service: SpeechService
    ) -> None:
        self._store = store
        self._local_settings = local_settings
        self.service = service

    def _text(self, listen: str, language: str) -> str | None:
        return answer_text(self._store, listen, language, self._local_settings.values())

    async def speech(self, listen: str, language: str) -> Speech | None:
        """None when there is no such answer in that language."""
        if language not in SUPPORTED_LANGUAGES or not 0 < len(listen) <= MAX_LISTEN_CHARS:
            return None
        loop = asyncio.get_running_loop()
        text = await loop.run_in_executor(None, partial(self._text, listen, language))
        if not text:
            return None
        return await self.service.speak(text, language)

    def close(self) -> None:
        self.service.close()
