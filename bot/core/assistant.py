"""The assistant as every channel sees it: converse, forget, deliver.

Lessons, the self-check, workshops and a trainer's commands are answered here, from our
own database, without Rasa; everything else goes to Rasa.

One turn: the person's text (or a button payload) goes to Rasa under the conversation's
lock; the replies come back typed, with their topic and language, and the conversation's
language and last use are recorded. When Rasa or the action server fails, the person is
told so in their language within the reply timeout, and the turn keeps its lock until
Rasa has finished, so that an erasure never races a turn that is still being saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from bot.core.channel import ChannelRegistry
from bot.core.erasure import Eraser
from bot.core.locks import ConversationLocks, LockTimeout, LockUnavailable
from bot.core.messages import Reply
from bot.core.people import PeopleStore, Speaker, retention_cutoff
from bot.core.rasa_client import RasaClient, RasaPool, RasaUnavailable
from bot.core.user_text import as_user_message
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.detect import Vocabulary
from bot.i18n.reply_language import decide_reply_language
from bot.speech.answers import AnswerSpeech
from bot.speech.service import Speech
from bot.workshops.chat import LearningChat

if TYPE_CHECKING:
    from bot.workshops.trainer_chat import TrainerChat

logger = logging.getLogger(__name__)

T = TypeVar("T")
FORGET_WAIT_SECONDS = 60.0  # a turn in flight holds the lock at most this long


class AssistantUnavailable(RuntimeError):
    """Rasa or the action server did not answer; `reply` says so to the person."""

    def __init__(self, reply: Reply, reason: str) -> None:
        super().__init__(reason)
        self.reply = reply


class Assistant:
    def __init__(
        self,
        rasa: RasaClient | RasaPool,
        people: PeopleStore,
        eraser: Eraser,
        locks: ConversationLocks,
        payload_intents: frozenset[str],
        reply_timeout: float,
        vocabulary: Callable[[], Vocabulary | None] = lambda: None,
        speech: AnswerSpeech | None = None,
        greeting: Callable[[str], Reply | None] = lambda language: None,
        learning: LearningChat | None = None,
    ) -> None:
        self._rasa = rasa
        self.people = people
        self._eraser = eraser
        self._locks = locks
        self._intents = payload_intents
        self.reply_timeout = reply_timeout
        self._vocabulary = vocabulary
        self.speech = speech
        self._greeting = greeting
        self.learning = learning
        self.trainer: TrainerChat | None = None  # set once built: it delivers through us
        self.channels = ChannelRegistry()

    async def _db(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, partial(function, *args))

    async def language_for(self, speaker: Speaker, text: str = "") -> str:
        """The language of texts the core or a channel writes itself (errors, confirmations):
        decided like an answer's, with the conversation's last language as its memory."""
        return await self._db(self._decided_language, speaker, text)

    def _decided_language(self, speaker: Speaker, text: str = "") -> str:
        try:
            previous = self.people.language(speaker.conversation_id)
        except Exception:  # noqa: BLE001 - a database outage must not silence the error text
            previous = None
        return decide_reply_language(
            preference=None,
            text="" if text.startswith("/") else text,
            previous=previous,
            hint=list(speaker.hint),
            vocabulary=self._vocabulary(),
        )

    async def converse(
        self, speaker: Speaker, text: str, display: str | None = None, wait: float | None = None
    ) -> list[Reply]:
        """The replies to one message; raises AssistantUnavailable (with the reply to show)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (wait if wait is not None else self.reply_timeout)
        metadata: dict[str, object] = {"channel": speaker.channel, "locale_hint": speaker.hint[:5]}
        if display:
            metadata["display"] = display
        message = as_user_message(text, self._intents)
        try:
            release = await self._locks.acquire(
                speaker.conversation_id, max(deadline - loop.time(), 0.1)
            )
        except LockTimeout as error:
            reason = "Redis down" if isinstance(error, LockUnavailable) else "conversation busy"
            raise await self._unavailable(speaker, text, reason) from None
        try:
            handled = await self._answer_here(speaker, text)
        except BaseException:
            await release()
            raise
        if handled is not None:
            await release()
            await self._seen(speaker, handled)
            return handled
        turn = asyncio.create_task(self._rasa.send(speaker.conversation_id, message, metadata))
        turn.add_done_callback(lambda _: asyncio.ensure_future(release()))
        try:
            raw = await asyncio.wait_for(asyncio.shield(turn), max(deadline - loop.time(), 0.1))
        except asyncio.TimeoutError:
            turn.add_done_callback(_consume)
            raise await self._unavailable(speaker, text, "no answer in time") from None
        except RasaUnavailable as error:
            raise await self._unavailable(speaker, text, str(error)) from None
        replies = [r for r in (Reply.from_rasa(m, "") for m in raw) if r is not None]
        if any(not r.language for r in replies):  # our actions always say; Rasa's own may not
            fallback = await self.language_for(speaker, text)
            replies = [r if r.language else replace(r, language=fallback) for r in replies]
        if not replies:
            raise await self._unavailable(speaker, text, "empty answer")
        await self._seen(speaker, replies)
        return replies

    async def _answer_here(self, speaker: Speaker, text: str) -> list[Reply] | None:
        """The core's own answer to a trainer's command, or to a lesson, self-check or
        workshop message, if it is one (None: Rasa answers). Its language is decided from
        the conversation, never from a nickname or a join code."""
        try:
            if self.trainer is not None and self.trainer.claims(text):
                return await self.trainer.handle(speaker, text, await self.language_for(speaker))
            if self.learning is None:
                return None
            return await self._db(
                self.learning.handle, speaker, text, lambda: self._decided_language(speaker)
            )
        except Exception as error:  # noqa: BLE001 - the person is told, in their language
            raise await self._unavailable(speaker, "", type(error).__name__) from None

    async def _seen(self, speaker: Speaker, replies: Sequence[Reply]) -> None:
        try:
            await self._db(self.people.seen, speaker, replies[-1].language)
        except Exception as error:  # noqa: BLE001 - the answer matters more than the record
            logger.warning("could not record a turn: %s", type(error).__name__)

    async def _unavailable(self, speaker: Speaker, text: str, reason: str) -> AssistantUnavailable:
        language = await self.language_for(speaker, text)
        logger.warning(
            "%s reply failed (%s); told the user (%s)", speaker.channel, reason, language
        )
        return AssistantUnavailable(Reply(translate(language, texts.TROUBLE), language), reason)

    async def greeting(self, language: str) -> Reply | None:
        """The greeting for someone who has not written yet; None if it can't be read now."""
        try:
            return await self._db(self._greeting, language)
        except Exception as error:  # noqa: BLE001 - the page works without it
            logger.warning("no greeting: %s", type(error).__name__)
            return None

    async def listen(self, speaker: Speaker, listen: str, language: str) -> Speech | None:
        """The speech of an answer (a reply's `listen`), for a conversation that exists;
        None when there is no such answer. Raises SpeechFailed when it can't be made."""
        if self.speech is None or not await self._db(self.people.exists, speaker.conversation_id):
            return None
        return await self.speech.speech(listen, language)

    async def voice(self, speaker: Speaker) -> bool:
        """Whether this conversation's answers come with their speech unasked."""
        try:
            return await self._db(self.people.voice, speaker.conversation_id)
        except Exception:  # noqa: BLE001 - the text answer goes out all the same
            return False

    async def set_voice(self, speaker: Speaker, on: bool) -> None:
        await self._db(self.people.set_voice, speaker, on)

    async def forget(self, person_id: str) -> int:
        """Erases everything stored about a person, waiting for turns in flight to finish."""
        conversations = await self._db(self.people.conversations, person_id)
        ids = sorted({person_id, *(c.id for c in conversations)})
        releases = []
        try:
            for conversation_id in ids:  # sorted: two erasures never wait for each other
                releases.append(await self._locks.acquire(conversation_id, FORGET_WAIT_SECONDS))
            return await self._db(self._eraser.erase, person_id, ids)
        finally:
            for release in releases:
                await release()

    async def deliver(self, person_id: str, replies: Sequence[Reply]) -> bool:
        """Sends replies to a known person on their channel, unasked (workshops, alerts)."""
        conversations = await self._db(self.people.conversations, person_id)
        if not conversations:
            return False
        latest = max(conversations, key=lambda c: c.last_seen)
        channel = self.channels.get(latest.channel)
        if channel is None:
            logger.warning("no %s channel runs here to deliver a message", latest.channel)
            return False
        return await channel.deliver(person_id, latest.address, replies)

    async def purge_expired(self, retention_days: int) -> int:
        """Erases everyone inactive for longer than the retention; how many people."""
        cutoff = retention_cutoff(retention_days)
        if cutoff is None:
            return 0
        people = await self._db(self.people.inactive_since, cutoff)
        for person_id in people:
            await self.forget(person_id)
        if people:
            logger.info("erased %d people inactive for %d days", len(people), retention_days)
        return len(people)

    async def purge_workshops(self, retention_days: int) -> int:
        """Erases the participants of workshops that ended longer ago than the retention."""
        if self.learning is None:
            return 0
        erased = await self._db(self.learning.workshops.erase_expired, retention_days)
        if erased:
            logger.info("erased the participants of %d workshops", erased)
        return erased

    async def close(self) -> None:
        await self._locks.close()
        self._eraser.close()
        if self.speech is not None:
            self.speech.close()


def _consume(task: asyncio.Task) -> None:
    """Retrieves a late turn's outcome so asyncio does not log it as never retrieved."""
    with contextlib.suppress(BaseException):
        task.result()
