"""The trainer's controls: open the next lesson for everyone, close the quiz, show the
results, announce, end. What reaches participants goes out through the core's delivery
path, each in the participant's own language."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from bot.core.messages import Reply
from bot.core.people import Speaker
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.workshops.chat import WORKSHOP_TOPIC, LearningChat, help_button, lesson_context
from bot.workshops.report import summary
from bot.workshops.store import Member, WorkshopError, WorkshopState

if TYPE_CHECKING:
    from bot.core.assistant import Assistant

T = TypeVar("T")
PARALLEL_DELIVERIES = 8
MAX_ANNOUNCEMENT_CHARS = 500
# Announcements prepared in every language: a trainer picks one, and each participant
# reads it in their own.
PREPARED = {
    "look_up": texts.ANNOUNCE_LOOK_UP,
    "break": texts.ANNOUNCE_BREAK,
    "questions": texts.ANNOUNCE_QUESTIONS,
    "finish_quiz": texts.ANNOUNCE_FINISH_QUIZ,
    "well_done": texts.ANNOUNCE_WELL_DONE,
}


def _speaker(member: Member) -> Speaker:
    return Speaker(member.channel, member.person_id, member.conversation_id, "")


class Pacing:
    def __init__(self, assistant: Assistant) -> None:
        if assistant.learning is None:
            raise WorkshopError("lessons are not available in this process")
        self._assistant = assistant
        self.chat: LearningChat = assistant.learning

    async def _db(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, partial(function, *args))

    async def _to_everyone(
        self, state: WorkshopState, replies_for: Callable[[Member, str], Sequence[Reply]]
    ) -> int:
        """Delivers to every participant with a nickname; how many were reached."""
        members = [m for m in await self._db(self.chat.workshops.members, state.id) if m.nickname]
        gate = asyncio.Semaphore(PARALLEL_DELIVERIES)

        async def one(member: Member) -> bool:
            async with gate:
                language = await self._db(self._language, member)
                replies = await self._db(replies_for, member, language)
                return bool(replies) and await self._assistant.deliver(member.person_id, replies)

        return sum(await asyncio.gather(*(one(m) for m in members)))

    def _language(self, member: Member) -> str:
        return self._assistant.people.language(member.conversation_id) or member.language

    async def advance(self, workshop_id: str, lesson_index: int | None = None) -> int:
        state = await self._db(self.chat.workshops.advance, workshop_id, lesson_index)
        lesson = state.current_lesson
        assert lesson is not None

        def first_step(member: Member, language: str) -> list[Reply]:
            opened = Reply(
                translate(language, texts.TRAINER_OPENED), language, topic=WORKSHOP_TOPIC
            )
            context = lesson_context(state, language)
            return [opened, *self.chat.flow.open(_speaker(member), language, lesson, 1, context)]

        return await self._to_everyone(state, first_step)

    async def close_quiz(self, workshop_id: str) -> WorkshopState:
        return await self._db(self.chat.workshops.close_quiz, workshop_id)

    async def show_results(self, workshop_id: str) -> int:
        """Shows each participant who answered the open lesson's quiz their own results."""
        state = await self._db(self.chat.workshops.show_results, workshop_id)
        lesson = state.current_lesson
        if lesson is None:
            return 0
        flow = self.chat.flow

        def results(member: Member, language: str) -> list[Reply]:
            position = flow.progress.position(member.conversation_id, lesson, state.id)
            if position is None or not position.answers:
                return []
            return [flow.own_results(language, lesson, position)]

        return await self._to_everyone(state, results)

    async def announce(self, workshop_id: str, prepared: str | None, text: str | None) -> int:
        state = await self._db(self.chat.workshops.get, workshop_id)
        if state is None or not state.open:
            raise WorkshopError("no such open workshop")
        if prepared is not None and prepared not in PREPARED:
            raise WorkshopError(f"no prepared message {prepared!r} (one of {', '.join(PREPARED)})")
        written = " ".join((text or "").split()) if prepared is None else ""
        if prepared is None and not 0 < len(written) <= MAX_ANNOUNCEMENT_CHARS:
            raise WorkshopError(f"an announcement has 1 to {MAX_ANNOUNCEMENT_CHARS} characters")

        def announcement(member: Member, language: str) -> list[Reply]:
            if prepared is not None:
                said = translate(language, PREPARED[prepared])
            else:
                said = f"{translate(language, texts.FROM_TRAINER)}\n{written}"
            return [Reply(said, language, topic=WORKSHOP_TOPIC, buttons=(help_button(language),))]

        return await self._to_everyone(state, announcement)

    async def end(self, workshop_id: str) -> WorkshopState:
        """Ends the workshop with its summary, and thanks everyone."""
        store = self.chat.workshops
        state = await self._db(store.get, workshop_id)
        if state is None or not state.open:
            raise WorkshopError("no such open workshop")
        members = await self._db(store.members, workshop_id)
        positions = await self._db(self.chat.flow.progress.workshop_positions, workshop_id)
        counts = summary(state, members, positions, self.chat.flow.lessons)

        def thanks(member: Member, language: str) -> list[Reply]:
            return [self.chat.flow.menu(_speaker(member), language, texts.WORKSHOP_ENDED)]

        await self._to_everyone(state, thanks)
        return await self._db(store.end, workshop_id, counts)
