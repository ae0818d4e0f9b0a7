"""The messages the core answers itself, without Rasa: lessons, the self-check, workshops.

These are buttons (`/lesson{...}`, `/quiz{...}`), `/join CODE` (or a join code typed on its
own), and a participant's nickname right after joining. They need no understanding, and
their state (progress, membership) lives in our database, where the trainer's view and
erasure find it. Anything else is left to Rasa.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.conversation.replies import payload
from bot.core.messages import Button, Reply
from bot.core.people import Speaker
from bot.core.user_text import payload_parts
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.lessons.flow import LessonFlow, WorkshopPace
from bot.lessons.intents import (
    INTENTS,
    LESSON_INTENT,
    LESSONS_INTENT,
    QUIZ_INTENT,
    SELFCHECK_INTENT,
)
from bot.lessons.library import LessonLibrary
from bot.workshops.codes import normalise
from bot.workshops.models import MAX_NICKNAME_CHARS
from bot.workshops.store import Member, WorkshopState, WorkshopStore, clean_nickname

JOIN_INTENT = "join"
HELP_INTENT = "workshop_help"
JOIN_TOPIC = "workshop_join"
WORKSHOP_TOPIC = "workshop"
EXAMPLE_CODE = "KX7P4M"
_JOIN_COMMAND = re.compile(r"/join(?:@\w+)?(?:\s+(?P<code>.*))?", re.IGNORECASE | re.DOTALL)


def help_button(language: str) -> Button:
    return Button(translate(language, texts.ASK_FOR_HELP), payload(HELP_INTENT))


def lesson_context(state: WorkshopState, language: str) -> WorkshopPace:
    return WorkshopPace(state.id, state.quiz_closed, state.results_shown, help_button(language))


class LearningChat:
    def __init__(
        self, flow: LessonFlow, workshops: WorkshopStore, library: LessonLibrary | None = None
    ) -> None:
        self.flow = flow
        self.workshops = workshops
        self.library = library  # where edited lesson texts are saved

    def handle(
        self, speaker: Speaker, text: str, language: Callable[[], str]
    ) -> list[Reply] | None:
        """The replies to a message that is ours; None to leave it to Rasa."""
        join = _JOIN_COMMAND.fullmatch(text.strip())
        if join is not None:
            return self._join(speaker, language(), join.group("code") or "")
        parts = payload_parts(text)
        if parts is not None:
            intent, entities = parts
            if intent == JOIN_INTENT:
                return self._join(speaker, language(), entities.get("code", ""))
            if intent in INTENTS or intent == HELP_INTENT:
                return self._button(speaker, language(), intent, entities)
            return None
        if text.startswith("/"):
            return None
        code = normalise(text)
        if code is not None:
            state = self.workshops.by_code(code)
            if state is not None:
                return self._join(speaker, language(), code)
        membership = self.workshops.membership(speaker.conversation_id)
        if membership is not None and membership[0].nickname is None:
            return self._nickname(membership, text, language())
        return None

    # Joining

    def _join(self, speaker: Speaker, language: str, raw_code: str) -> list[Reply]:
        if not raw_code.strip():
            how = translate(language, texts.JOIN_HOW, example=EXAMPLE_CODE)
            return [Reply(how, language, topic=JOIN_TOPIC)]
        code = normalise(raw_code)
        state = self.workshops.by_code(code) if code else None
        if state is None:
            shown = " ".join(raw_code.split())[:16]
            unknown = translate(language, texts.JOIN_UNKNOWN, code=shown)
            return [Reply(unknown, language, topic=JOIN_TOPIC)]
        if not state.open:
            return [self.flow.menu(speaker, language, texts.JOIN_ENDED)]
        member = self.workshops.join(speaker, state.id, language)
        if member.nickname is None:
            ask = translate(language, texts.JOIN_NICKNAME, title=state.title)
            return [Reply(ask, language, topic=JOIN_TOPIC)]
        return self._welcome(speaker, member, state, language)

    def _nickname(
        self, membership: tuple[Member, WorkshopState], text: str, language: str
    ) -> list[Reply]:
        member, state = membership
        nickname = clean_nickname(text)
        if nickname is None:
            again = translate(language, texts.NICKNAME_INVALID, max=MAX_NICKNAME_CHARS)
            return [Reply(again, language, topic=JOIN_TOPIC)]
        self.workshops.set_nickname(member.id, nickname)
        speaker = Speaker(member.channel, member.person_id, member.conversation_id, "")
        return self._welcome(speaker, member, state, language, nickname)

    def _welcome(
        self,
        speaker: Speaker,
        member: Member,
        state: WorkshopState,
        language: str,
        nickname: str | None = None,
    ) -> list[Reply]:
        joined = translate(language, texts.JOINED, nickname=nickname or member.nickname)
        replies = [Reply(joined, language, topic=JOIN_TOPIC)]
        lesson = state.current_lesson
        if lesson is None:
            wait = translate(language, texts.WAIT_FOR_TRAINER)
            replies.append(
                Reply(wait, language, topic=JOIN_TOPIC, buttons=(help_button(language),))
            )
        else:
            replies += self.flow.open(
                speaker, language, lesson, None, lesson_context(state, language)
            )
        return replies

    # Buttons

    def _button(
        self, speaker: Speaker, language: str, intent: str, entities: dict[str, str]
    ) -> list[Reply]:
        if intent == LESSONS_INTENT:
            return [self.flow.menu(speaker, language)]
        if intent == SELFCHECK_INTENT:
            return self.flow.selfcheck(speaker, language, entities.get("q"), entities.get("a"))
        membership = self.workshops.membership(speaker.conversation_id)
        if membership is not None:
            self.workshops.set_language(membership[0].id, language)
            if membership[0].help_at is not None and intent != HELP_INTENT:
                self.workshops.ask_help(membership[0].id, asking=False)  # helped: moving on
        if intent == HELP_INTENT:
            if membership is None:
                return [self.flow.menu(speaker, language)]
            self.workshops.ask_help(membership[0].id)
            said = translate(language, texts.HELP_ASKED)
            return [Reply(said, language, topic=WORKSHOP_TOPIC)]
        lesson_id = entities.get("lesson", "")
        workshop = None
        if membership is not None and membership[1].current_lesson == lesson_id:
            workshop = lesson_context(membership[1], language)
        if intent == LESSON_INTENT:
            step = entities.get("step")
            number = int(step) if step and step.isdigit() else None
            return self.flow.open(speaker, language, lesson_id, number, workshop)
        assert intent == QUIZ_INTENT
        entry = self.flow.lessons.catalogue.get(lesson_id)
        question = entities.get("q", "")
        if entry is None:
            return [self.flow.menu(speaker, language, texts.NO_SUCH_LESSON)]
        if "a" not in entities:
            return [self.flow.question(speaker, language, entry, question, workshop)]
        return self.flow.answer(speaker, language, lesson_id, question, entities["a"], workshop)
