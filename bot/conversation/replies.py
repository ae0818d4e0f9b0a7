"""Replies as the channels show them: text, buttons, and the topic and language they carry."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace

from bot.content.store import ContentStore, ServedAnswer
from bot.core.messages import Button, Reply
from bot.dialogue import answer_payload
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import SUPPORTED_LANGUAGES, native_name
from bot.lessons.intents import LESSONS_INTENT, SELFCHECK_INTENT

NOT_THIS_INTENT = "not_this"
MAX_RELATED_BUTTONS = 3
MAX_CLARIFY_BUTTONS = 3
MORE_SUFFIX = "/more"
SOCIAL_TOPICS = frozenset({"greet", "goodbye", "thanks"})
# Answers that end with the main menu, for someone who doesn't know what to ask.
MENU_TOPICS = frozenset({"greet", "help", "out_of_scope"})
SELFCHECK_ANSWER = "skills_assessment"  # the answer about one's own level offers the self-check
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\w+)\}")


def payload(intent: str, **entities: str) -> str:
    """A button payload Rasa reads as an intent with entities, bypassing NLU."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


# What is said instead of a line that needs a local value the deployment has not set; a
# line that needs an unset operator's name is left out.
UNSET_STAND_INS = {
    "portal_url": texts.UNSET_PORTAL_URL,
    "cybercrime_contact": texts.UNSET_CYBERCRIME_CONTACT,
    "emergency_number": texts.UNSET_EMERGENCY_NUMBER,
    "help_desk": texts.UNSET_HELP_DESK,
}
_LIST_MARKER = re.compile(r"\s*(?:[-•*]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?…؟]+\s+|[。！？]+\s*")


def render(text: str, language: str, local_values: dict[str, str]) -> str:
    """Fills `{portal_url}`-style placeholders. A line that needs an unset value is replaced
    by a plain sentence that stands on its own (once per answer), or left out: an answer
    never says "…run by: not set up here" in mid-sentence."""
    lines: list[str] = []
    said: set[str] = set()
    for line in text.split("\n"):
        unset = [name for name in _PLACEHOLDER.findall(line) if name and not local_values.get(name)]
        if not unset:
            lines.append(_PLACEHOLDER.sub(lambda m: _fill(m, local_values), line))
            continue
        stand_in = next((UNSET_STAND_INS[n] for n in unset if n in UNSET_STAND_INS), None)
        marker = _LIST_MARKER.match(line)
        start = marker.end() if marker else 0
        needs = min(line.index("{" + name + "}") for name in unset)
        # Keep the sentences before the one that needs the value.
        ends = [m.end() for m in _SENTENCE_END.finditer(line, start, needs)]
        kept = line[start : ends[-1]].strip() if ends else ""
        kept = _PLACEHOLDER.sub(lambda m: _fill(m, local_values), kept)
        said_now = ""
        if stand_in is not None and stand_in not in said:
            said.add(stand_in)
            said_now = translate(language, stand_in)
        joined = " ".join(part for part in (kept, said_now) if part)
        if joined:
            lines.append(line[:start] + joined)
    return "\n".join(lines).strip()


def _fill(match: re.Match[str], local_values: dict[str, str]) -> str:
    if match.group(0) in ("{{", "}}"):
        return match.group(0)[0]
    return local_values.get(match.group(1), "")


# The footer under the answers of a family that cites a source (catalogue: `source:`).
SOURCE_FOOTERS = {"gdi_statement": texts.SOURCE_GDI_STATEMENT}


def lessons_button(language: str) -> Button:
    return Button(translate(language, texts.LESSONS), payload(LESSONS_INTENT))


def selfcheck_button(language: str) -> Button:
    return Button(translate(language, texts.SELFCHECK), payload(SELFCHECK_INTENT))


def main_menu_button(language: str) -> Button:
    return Button(translate(language, texts.MAIN_MENU), payload("help"))


def _main_menu_buttons(store: ContentStore, language: str) -> tuple[Button, ...]:
    """The families, then the lessons and the self-check."""
    families = store.menu_families()
    titles = store.family_titles(families, language)
    buttons = [Button(titles[family], payload("help", family=family)) for family in families]
    return (*buttons, lessons_button(language), selfcheck_button(language))


def _topic_buttons(store: ContentStore, topic_ids: list[str], language: str) -> list[Button]:
    titles = store.titles(topic_ids, language)
    return [Button(titles[t], answer_payload(t)) for t in topic_ids if t in titles]


def answer_topic(
    store: ContentStore,
    topic_id: str,
    language: str,
    local_values: dict[str, str],
    alternatives: Sequence[str] = (),
) -> Reply | None:
    """The answer to a topic, with its follow-up buttons; None if the topic has no answer.

    `alternatives` are the next likeliest topics of an understood question: offered behind
    "That's not what I asked", since a confident answer can still be the wrong one.
    """
    answer = store.answer(topic_id, language)
    if answer is None:
        return None
    text = render(answer.text, language, local_values)
    footer = SOURCE_FOOTERS.get(answer.source)
    if footer:
        text = f"{text}\n\n{translate(language, footer)}"
    buttons: list[Button] = []
    if topic_id == SELFCHECK_ANSWER:
        buttons.append(selfcheck_button(language))
    if answer.more:
        buttons.append(
            Button(translate(language, texts.TELL_ME_MORE), payload("more", topic=topic_id))
        )
    buttons += _topic_buttons(store, list(answer.related[:MAX_RELATED_BUTTONS]), language)
    if topic_id in MENU_TOPICS:
        buttons += _main_menu_buttons(store, language)
    elif topic_id not in SOCIAL_TOPICS and answer.in_menu:
        others = [t for t in alternatives if t != topic_id][:MAX_CLARIFY_BUTTONS]
        if others:
            buttons.append(
                Button(
                    translate(language, texts.NOT_WHAT_I_ASKED),
                    payload(NOT_THIS_INTENT, topics=",".join(others)),
                )
            )
        buttons.append(Button(translate(language, texts.MAIN_MENU), payload("help")))
    return Reply(
        text=text, language=language, topic=topic_id, buttons=tuple(buttons), listen=topic_id
    )


def greeting(store: ContentStore, language: str, local_values: dict[str, str]) -> Reply | None:
    """What someone who has not written yet is shown: the greeting and the families."""
    reply = answer_topic(store, "greet", language, local_values)
    return replace(reply, listen=None) if reply is not None else None


def show_menu(
    store: ContentStore, language: str, local_values: dict[str, str], family: str | None = None
) -> Reply:
    """The main menu (the families it shows), or the topics of any one family."""
    topics = store.family_topics(family) if family else []
    if topics:
        buttons = _topic_buttons(store, topics, language)
        buttons.append(Button(translate(language, texts.MAIN_MENU), payload("help")))
        header = store.family_title(family, language)
        text = f"{header}\n{translate(language, texts.CHOOSE_TOPIC)}"
        return Reply(text=text, language=language, topic="help", buttons=tuple(buttons))
    reply = answer_topic(store, "help", language, local_values)
    if reply is None:
        return Reply(
            text=translate(language, texts.CHOOSE_TOPIC),
            language=language,
            topic="help",
            buttons=_main_menu_buttons(store, language),
        )
    return reply


def tell_more(
    store: ContentStore, topic_id: str | None, language: str, local_values: dict[str, str]
) -> Reply:
    """The follow-up of the last topic, or the menu when there is nothing to follow up."""
    answer: ServedAnswer | None = store.answer(topic_id, language) if topic_id else None
    if answer is None:
        return show_menu(store, language, local_values)
    if not answer.more:
        return Reply(
            text=translate(language, texts.NOTHING_MORE),
            language=language,
            topic=topic_id,
            buttons=tuple(
                _topic_buttons(store, list(answer.related), language)[:MAX_RELATED_BUTTONS]
            )
            + (Button(translate(language, texts.MAIN_MENU), payload("help")),),
        )
    buttons = _topic_buttons(store, list(answer.related[:MAX_RELATED_BUTTONS]), language)
    buttons.append(Button(translate(language, texts.MAIN_MENU), payload("help")))
    return Reply(
        text=render(answer.more, language, local_values),
        language=language,
        topic=topic_id,
        buttons=tuple(buttons),
        listen=f"{topic_id}{MORE_SUFFIX}",
    )


def answer_text(
    store: ContentStore, listen: str, language: str, local_values: dict[str, str]
) -> str | None:
    """The text of the answer a reply's `listen` names, as it is shown now; None if none."""
    topic_id, more, rest = listen.partition(MORE_SUFFIX)
    if rest:
        return None
    if more:
        answer = store.answer(topic_id, language)
        return render(answer.more, language, local_values) if answer and answer.more else None
    reply = answer_topic(store, topic_id, language, local_values)
    return reply.text if reply is not None else None


def clarify(store: ContentStore, candidates: list[str], language: str) -> Reply:
    """ "Did you mean…?" with the likeliest topics as buttons, instead of a wrong answer."""
    buttons = _topic_buttons(store, candidates[:MAX_CLARIFY_BUTTONS], language)
    buttons.append(Button(translate(language, texts.MAIN_MENU), payload("help")))
    return Reply(
        text=translate(language, texts.DID_YOU_MEAN),
        language=language,
        topic=None,
        buttons=tuple(buttons),
    )


def language_menu(language: str) -> Reply:
    """The supported languages, each named in itself."""
    buttons = tuple(
        Button(native_name(lang), payload("change_language", language=lang))
        for lang in SUPPORTED_LANGUAGES
    )
    return Reply(
        text=translate(language, texts.WHICH_LANGUAGE),
        language=language,
        topic="change_language",
        buttons=buttons,
    )


def language_changed(store: ContentStore, language: str, local_values: dict[str, str]) -> Reply:
    """The confirmation, already in the new language."""
    reply = answer_topic(store, "change_language", language, local_values)
    if reply is not None:
        return reply
    return Reply(text=native_name(language), language=language, topic="change_language")


def unsupported_language() -> Reply:
    """For a message in a language we don't speak: in English, with the languages we do."""
    reply = language_menu("en")
    return Reply(
        text=translate("en", texts.UNSUPPORTED_LANGUAGE),
        language="en",
        topic="change_language",
        buttons=reply.buttons,
    )
