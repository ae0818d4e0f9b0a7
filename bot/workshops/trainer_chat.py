"""A trainer leading a workshop from the chat (Telegram, where trainers already are):
`/link CODE` once, then `/workshop new <title>`, lessons chosen with buttons, `/workshop
status` and the controls, the same as the live view in the admin pages."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from bot.admin.accounts import Staff
from bot.conversation.replies import payload
from bot.core.messages import Button, Reply
from bot.core.people import Speaker
from bot.core.user_text import payload_parts
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import native_name
from bot.workshops.links import TrainerLinks
from bot.workshops.pacing import Pacing
from bot.workshops.report import position_of, question_counts
from bot.workshops.store import WorkshopError, WorkshopState

T = TypeVar("T")
ADD_INTENT = "workshop_add"  # {"workshop": id, "lesson": id}
ACTION_INTENT = "workshop_do"  # {"workshop": id, "action": one of ACTIONS}
ACTIONS = ("status", "next", "close", "results", "end")
TOPIC = "workshop_trainer"
MAX_TITLE_CHARS = 120
_COMMAND = re.compile(r"/(?P<name>workshop|link)(?:@\w+)?(?:\s+(?P<rest>.*))?", re.I | re.S)


class TrainerChat:
    def __init__(self, pacing: Pacing, links: TrainerLinks) -> None:
        self.pacing = pacing
        self.links = links

    @property
    def _store(self):  # noqa: ANN202 - the workshop store
        return self.pacing.chat.workshops

    async def _db(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, partial(function, *args))

    def claims(self, text: str) -> bool:
        if _COMMAND.fullmatch(text.strip()):
            return True
        parts = payload_parts(text)
        return parts is not None and parts[0] in (ADD_INTENT, ACTION_INTENT)

    async def handle(self, speaker: Speaker, text: str, language: str) -> list[Reply]:
        command = _COMMAND.fullmatch(text.strip())
        if command is not None and command.group("name").lower() == "link":
            return [await self._link(speaker, command.group("rest") or "", language)]
        staff = await self._db(self.links.staff_for, speaker.person_id)
        if staff is None:
            return [self._say(language, texts.TRAINER_NOT_LINKED)]
        if command is not None:
            words = (command.group("rest") or "").strip()
            verb, _, rest = words.partition(" ")
            verb = verb.lower()
            if verb == "new":
                return [await self._new(staff, rest, language)]
            if verb in ACTIONS:
                state = await self._latest(staff)
                if state is None:
                    return [self._say(language, texts.NO_OPEN_WORKSHOP)]
                return await self._act(state, verb, language)
            return [self._say(language, texts.TRAINER_COMMANDS)]
        intent, entities = payload_parts(text) or ("", {})
        state = await self._db(self._store.get, entities.get("workshop", ""))
        if state is None or (staff.role != "admin" and state.created_by != staff.name):
            return [self._say(language, texts.NO_OPEN_WORKSHOP)]
        if intent == ADD_INTENT:
            return [await self._add(state, entities.get("lesson", ""), language)]
        action = entities.get("action", "")
        return await self._act(state, action if action in ACTIONS else "status", language)

    def _say(self, language: str, message: str, **values: object) -> Reply:
        return Reply(translate(language, message, **values), language, topic=TOPIC)

    async def _link(self, speaker: Speaker, code: str, language: str) -> Reply:
        staff = await self._db(self.links.redeem, code.strip(), speaker.person_id)
        if staff is None:
            return self._say(language, texts.TRAINER_LINK_WRONG)
        return self._say(language, texts.TRAINER_LINKED, name=staff.name)

    async def _latest(self, staff: Staff) -> WorkshopState | None:
        found = await self._db(self._store.listing, staff.name)
        return next((state for state in found if state.open), None)

    async def _new(self, staff: Staff, title: str, language: str) -> Reply:
        title = " ".join(title.split())
        if not title or len(title) > MAX_TITLE_CHARS:
            return self._say(language, texts.TRAINER_COMMANDS)
        state = await self._db(self._store.create, title, [], language, staff.name)
        return self._choosing(state, language)

    def _choosing(self, state: WorkshopState, language: str) -> Reply:
        lessons = self.pacing.chat.flow.lessons
        text = translate(language, texts.WORKSHOP_CREATED, title=state.title, code=state.code)
        if state.lessons:
            chosen = ", ".join(lessons.text(lesson, language).title for lesson in state.lessons)
            text += "\n" + translate(language, texts.WORKSHOP_LESSONS, lessons=chosen)
        buttons = [
            Button(
                translate(language, texts.ADD_LESSON, title=lessons.text(lesson, language).title),
                payload(ADD_INTENT, workshop=state.id, lesson=lesson),
            )
            for lesson in lessons.catalogue
            if lesson not in state.lessons
        ]
        if state.lessons:
            buttons.insert(0, self._action(state, "next", texts.NEXT_LESSON, language))
        return Reply(text, language, topic=TOPIC, buttons=tuple(buttons))

    async def _add(self, state: WorkshopState, lesson: str, language: str) -> Reply:
        if lesson in self.pacing.chat.flow.lessons.catalogue and state.open:
            state = await self._db(self._store.add_lesson, state.id, lesson)
        return self._choosing(state, language)

    def _action(self, state: WorkshopState, action: str, label: str, language: str) -> Button:
        return Button(
            translate(language, label), payload(ACTION_INTENT, workshop=state.id, action=action)
        )

    async def _act(self, state: WorkshopState, action: str, language: str) -> list[Reply]:
        reached: int | None = None
        try:
            if action == "next":
                reached = await self.pacing.advance(state.id)
            elif action == "close":
                await self.pacing.close_quiz(state.id)
            elif action == "results":
                reached = await self.pacing.show_results(state.id)
            elif action == "end":
                await self.pacing.end(state.id)
        except WorkshopError:
            return [
                self._say(language, texts.NO_MORE_LESSONS),
                await self._status(state.id, language),
            ]
        replies = [] if reached is None else [self._say(language, texts.SENT_TO, count=reached)]
        return [*replies, await self._status(state.id, language)]

    async def _status(self, workshop_id: str, language: str) -> Reply:
        """Who is where, who asked for help, and the answer counts of the open lesson."""
        state = await self._db(self._store.get, workshop_id)
        assert state is not None
        chat = self.pacing.chat
        members = [m for m in await self._db(self._store.members, state.id) if m.nickname]
        positions = await self._db(chat.flow.progress.workshop_positions, state.id)
        lessons = chat.flow.lessons
        say = partial(translate, language)
        lines = [say(texts.WORKSHOP_STATUS, title=state.title, code=state.code, count=len(members))]
        current = state.current_lesson
        if not state.open:
            lines.append(say(texts.WORKSHOP_ENDED))
        elif current is None:
            lines.append(say(texts.NO_LESSON_OPEN))
        else:
            lines.append(say(texts.OPEN_LESSON, title=lessons.text(current, language).title))
        for member in members:
            where = position_of(positions.get(member.conversation_id, []), current)
            if where is None or (current is not None and where["lesson"] != current):
                said = say(texts.NOT_STARTED)
            elif where["finished"]:
                said = say(texts.FINISHED)
            elif where["question"]:
                said = say(texts.IN_QUIZ, count=where["answered"])
            else:
                steps = lessons.catalogue[where["lesson"]].steps
                said = say(texts.AT_STEP, number=where["step"], count=steps)
            help_asked = f" · {say(texts.NEEDS_HELP)}" if member.help_at else ""
            lines.append(
                f"- {member.nickname} ({native_name(member.language)}): {said}{help_asked}"
            )
        for number, question in enumerate(
            (
                q
                for q in question_counts(state, lessons, positions, language)
                if q["lesson"] == current
            ),
            1,
        ):
            lines.append(f"\n{number}. {question['text']}")
            for option, count in question["counts"].items():
                mark = f" ({say(texts.RIGHT_OPTION)})" if option == question["right"] else ""
                lines.append(f"{count} · {question['options'][option]}{mark}")
        buttons = []
        if state.open:
            buttons = [
                self._action(state, "next", texts.NEXT_LESSON, language),
                self._action(state, "close", texts.CLOSE_QUIZ, language),
                self._action(state, "results", texts.SHOW_RESULTS, language),
                self._action(state, "status", texts.REFRESH, language),
                self._action(state, "end", texts.END_WORKSHOP, language),
            ]
        return Reply("\n".join(lines), language, topic=TOPIC, buttons=tuple(buttons))
