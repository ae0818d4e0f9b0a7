"""Custom actions: thin adapters from Rasa's tracker to `bot.conversation`."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.conversation import replies
from bot.conversation.context import AssistantContext, assistant_context
from bot.conversation.observe import before_turn, observe
from bot.conversation.turn import Turn
from bot.dialogue import ANSWER_INTENT
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.detect import is_unsupported_language
from bot.i18n.language_request import requested_language

logger = logging.getLogger(__name__)


class DigiBridgeAction(Action, ABC):
    """Decides the reply language, lets `respond` build the replies, sends them."""

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def respond(
        self, context: AssistantContext, turn: Turn, language: str
    ) -> tuple[list[replies.Reply], list[EventType]]: ...

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        context = assistant_context()
        turn = Turn.from_parse_data(tracker.latest_message, tracker.current_slot_values())
        language = turn.reply_language(context.vocabulary)
        before = before_turn(tracker.events)
        if not turn.is_button and is_unsupported_language(turn.text, context.vocabulary):
            reply = replies.unsupported_language()
            dispatcher.utter_message(json_message=reply.as_json())
            observe(context.engine, turn, [reply], reply.language, before)
            return []
        try:
            answer, events = self.respond(context, turn, language)
        except SQLAlchemyError:
            logger.exception("content store unavailable in %s", self.name())
            answer = [replies.Reply(translate(language, texts.TROUBLE), language)]
            events = []
        for reply in answer:
            dispatcher.utter_message(json_message=reply.as_json())
        spoken = answer[-1].language if answer else language
        observe(context.engine, turn, answer, spoken, before)
        return [*events, SlotSet("conversation_language", spoken)]


class ActionAnswerTopic(DigiBridgeAction):
    def name(self) -> str:
        return "action_answer_topic"

    def respond(self, context, turn, language):  # noqa: ANN001, ANN201 - see base class
        topic = turn.entities.get("topic") if turn.intent == ANSWER_INTENT else turn.intent
        topic = topic or "out_of_scope"
        alternatives = [] if turn.is_button else turn.clarification_candidates()
        reply = replies.answer_topic(
            context.store, topic, language, context.local_values, alternatives
        )
        if reply is None:
            reply = replies.show_menu(context.store, language, context.local_values)
        events = [] if topic in replies.SOCIAL_TOPICS else [SlotSet("last_topic", reply.topic)]
        return [reply], events


class ActionShowMenu(DigiBridgeAction):
    def name(self) -> str:
        return "action_show_menu"

    def respond(self, context, turn, language):  # noqa: ANN001, ANN201 - see base class
        family = turn.entities.get("family")
        return [replies.show_menu(context.store, language, context.local_values, family)], []


class ActionChangeLanguage(DigiBridgeAction):
    def name(self) -> str:
        return "action_change_language"

    def respond(self, context, turn, language):  # noqa: ANN001, ANN201 - see base class
        target = turn.requested_language_entity() or requested_language(turn.text)
        if target is None:
            return [replies.language_menu(language)], []
        reply = replies.language_changed(context.store, target, context.local_values)
        return [reply], [SlotSet("language", target)]


class ActionTellMore(DigiBridgeAction):
    def name(self) -> str:
        return "action_tell_more"

    def respond(self, context, turn, language):  # noqa: ANN001, ANN201 - see base class
        topic = turn.entities.get("topic") or turn.slots.get("last_topic")
        reply = replies.tell_more(context.store, topic, language, context.local_values)
        return [reply], [SlotSet("last_topic", reply.topic)]


class ActionClarify(DigiBridgeAction):
    def name(self) -> str:
        return "action_clarify"

    def respond(self, context, turn, language):  # noqa: ANN001, ANN201 - see base class
        if turn.intent == replies.NOT_THIS_INTENT:  # "That's not what I asked"
            candidates = [t for t in turn.entities.get("topics", "").split(",") if t]
        else:
            candidates = turn.clarification_candidates()
        return [replies.clarify(context.store, candidates, language)], []
