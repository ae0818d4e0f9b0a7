"""What each Telegram update gets: commands, free text, button presses, everything else.

Every message goes to the assistant core, like the web chat's. A person is their Telegram
user (`tg:<user>`), with one conversation per chat: their private chat (`tg:<user>`) and
one in each group (`tg:<chat>:<user>`), so group members each keep their own language and
`/forget` erases only the member who asks. The channel writes only a few texts itself
(non-text reply, erase confirmation), in the language the core decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field, replace

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.channels.telegram.addressing import (
    from_a_bot,
    is_addressed,
    is_private,
    without_mention,
)
from bot.channels.telegram.chats import ChatTagger, speaker_of
from bot.channels.telegram.dedup import RecentUpdates, UpdateLog
from bot.channels.telegram.keyboards import (
    FORGET_CALLBACK,
    MENU_PAYLOAD,
    CallbackCodec,
    inline_keyboard,
    listen_callback,
    parse_listen,
    pressed_title,
)
from bot.channels.telegram.ordering import ChatOrderedProcessor
from bot.channels.telegram.sending import send_answer, send_speech
from bot.core.assistant import Assistant, AssistantUnavailable
from bot.core.messages import Reply
from bot.core.people import Speaker
from bot.core.user_text import clean_text
from bot.i18n import texts
from bot.i18n.catalogs import translate

logger = logging.getLogger(__name__)

# Commands as payloads Rasa understands without NLU; /forget is handled here.
COMMAND_PAYLOADS = {
    "start": "/greet",
    "help": "/help",
    "menu": "/help",
    "language": "/change_language",
    "privacy": "/privacy_request",
    "lessons": "/lessons",
    "selfcheck": "/selfcheck",
}
# Commands whose argument goes to the core with them: /join CODE, and the deep link
# t.me/<bot>?start=CODE, which Telegram sends as "/start CODE".
JOIN_COMMANDS = frozenset({"join", "start"})
# A trainer's commands (/link CODE, /workshop ...) go to the core whole.
TRAINER_COMMANDS = frozenset({"link", "workshop"})
FORGET_COMMAND = "forget"
VOICE_COMMAND = "voice"
SPEAKER_SYMBOL = "🔊"
PRIVACY_TOPIC = "privacy_request"
GREETING_TOPIC = "greet"
# The user hears back within 10 s whatever Rasa does: this long after the update arrived
# (even if it waited behind earlier messages of the chat), plus the time to send...
MAX_WAIT_SECONDS = 8.0
# ...but a queued update still gets this long to try Rasa.
MIN_TRY_SECONDS = 1.5
MAX_DISPLAY_CHARS = 200

Context = ContextTypes.DEFAULT_TYPE


@dataclass
class Handlers:
    """The channel's callbacks and the little state they share."""

    assistant: Assistant
    tag: ChatTagger
    max_message_chars: int = 2000
    codec: CallbackCodec = field(default_factory=CallbackCodec)
    recent: UpdateLog = field(default_factory=RecentUpdates)
    speaking: set[asyncio.Task] = field(default_factory=set)  # voice sent after the text

    @property
    def wait_seconds(self) -> float:
        return min(self.assistant.reply_timeout, MAX_WAIT_SECONDS)

    # -- update callbacks (registered in application.py) --------------------------------

    async def drop_duplicates(self, update: Update, context: Context) -> None:
        """Runs before every other handler: an update seen before stops here."""
        if not await self.recent.first_time(update.update_id):
            logger.info("update %d delivered again; ignored", update.update_id)
            raise ApplicationHandlerStop

    async def command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        word = message.text.split(maxsplit=1)[0][1:]
        name, _, addressee = word.partition("@")
        if addressee and addressee.lower() != (context.bot.username or "").lower():
            return  # a command for another bot in the same group
        if from_a_bot(message):
            return
        name = name.lower()
        if name == FORGET_COMMAND:
            await self.forget(update, context)
            return
        if name == VOICE_COMMAND:
            await self.toggle_voice(update, context)
            return
        argument = message.text.split(maxsplit=1)[1:]
        if name in JOIN_COMMANDS and (argument or name == "join"):
            joining = clean_text(f"/join {argument[0] if argument else ''}")
            await self._ask(update, context, joining, message.text[:MAX_DISPLAY_CHARS], "/join")
            return
        if name in TRAINER_COMMANDS:
            text = clean_text(message.text)
            await self._ask(update, context, text, message.text[:MAX_DISPLAY_CHARS], f"/{name}")
            return
        payload = COMMAND_PAYLOADS.get(name, MENU_PAYLOAD)
        kind = f"/{name}" if name in COMMAND_PAYLOADS else "unknown command"  # logged
        await self._ask(update, context, payload, message.text[:MAX_DISPLAY_CHARS], kind)

    async def text(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or message.text is None:
            return
        if not is_addressed(message, context.bot.username, context.bot.id):
            return
        text = message.text
        if not is_private(message):
            text = without_mention(text, context.bot.username)
        text = clean_text(text)
        if not text:  # just "@bot": show what it can do
            await self._ask(update, context, MENU_PAYLOAD, None, "mention")
            return
        if len(text) > self.max_message_chars:
            language = await self._language(update, text)
            await self._send(
                context.bot,
                update,
                translate(language, texts.MESSAGE_TOO_LONG, max_chars=self.max_message_chars),
            )
            return
        await self._ask(update, context, text, None, "text")

    async def button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except TelegramError as error:
            logger.warning("could not answer a button press: %s", type(error).__name__)
        if update.effective_chat is None:
            return
        if query.data == FORGET_CALLBACK:
            await self.forget(update, context)
            return
        listen = parse_listen(query.data)
        if listen is not None:
            await self.listen(update, context, *listen)
            return
        payload = self.codec.decode(query.data) or MENU_PAYLOAD
        markup = query.message.reply_markup if isinstance(query.message, Message) else None
        await self._ask(update, context, payload, pressed_title(markup, query.data), "button")

    async def other(self, update: Update, context: Context) -> None:
        """Photos, voice notes, stickers, locations...: what we can read instead.

        An edited message is not a new question (people fix typos): it is left alone.
        """
        message = update.message
        if message is None or update.effective_chat is None:
            return
        if not is_private(message) and not is_addressed(
            message, context.bot.username, context.bot.id
        ):
            return
        if message.from_user is None or from_a_bot(message):
            return  # channel posts, other bots
        language = await self._language(update)
        if message.voice is not None or message.audio is not None:
            text, menu = translate(language, texts.VOICE_NOT_YET), await self._menu(update)
        else:
            text, menu = translate(language, texts.TEXT_ONLY), None
        if menu is None:
            menu = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            translate(language, texts.MAIN_MENU),
                            callback_data=self.codec.encode(MENU_PAYLOAD),
                        )
                    ]
                ]
            )
        await self._send(context.bot, update, text, menu)
        logger.info("chat %s: non-text update answered (%s)", self._tag(update), language)

    async def listen(self, update: Update, context: Context, language: str, answer: str) -> None:
        """ "Listen" was pressed: the answer's speech as a voice message."""
        speaker, chat = speaker_of(update), update.effective_chat
        if speaker is None or chat is None:
            return
        with contextlib.suppress(TelegramError):  # only a courtesy
            await context.bot.send_chat_action(chat.id, ChatAction.RECORD_VOICE)
        if not await self._speak(context.bot, update, speaker, answer, language):
            await self._send(context.bot, update, translate(language, texts.SPEECH_FAILED))

    async def toggle_voice(self, update: Update, context: Context) -> None:
        """/voice: every answer comes as a voice message as well, or no longer."""
        speaker = speaker_of(update)
        if speaker is None:
            return
        language = await self.assistant.language_for(speaker)
        try:
            on = not await self.assistant.voice(speaker)
            await self.assistant.set_voice(speaker, on)
        except Exception as error:  # noqa: BLE001 - say so; the person can try again
            logger.error("chat %s: /voice failed: %s", self._tag(update), type(error).__name__)
            await self._send(context.bot, update, translate(language, texts.TROUBLE))
            return
        logger.info("chat %s: spoken answers %s", self._tag(update), "on" if on else "off")
        await self._send(
            context.bot, update, translate(language, texts.VOICE_ON if on else texts.VOICE_OFF)
        )

    async def forget(self, update: Update, context: Context) -> None:
        """Erases everything about the person who asks (only them, in a group), then confirms."""
        speaker = speaker_of(update)
        if speaker is None:
            return
        language = await self.assistant.language_for(speaker)
        try:
            erased = await self.assistant.forget(speaker.person_id)
        except Exception as error:  # noqa: BLE001 - say so; the person can try again
            logger.error("chat %s: erasing failed: %s", self._tag(update), type(error).__name__)
            await self._send(context.bot, update, translate(language, texts.TROUBLE))
            return
        logger.info("chat %s: a person's data erased (%d rows)", self._tag(update), erased)
        await self._send(context.bot, update, translate(language, texts.DATA_ERASED))

    async def on_error(self, update: object, context: Context) -> None:
        """Logs an unexpected error by chat hash, without the update's content."""
        chat_id = (
            update.effective_chat.id
            if isinstance(update, Update) and update.effective_chat is not None
            else None
        )
        logger.error(
            "chat %s: unexpected %s",
            self.tag(chat_id),
            type(context.error).__name__,
            exc_info=context.error,
        )

    # -- helpers ------------------------------------------------------------------------

    async def _ask(
        self, update: Update, context: Context, text: str, display: str | None, kind: str
    ) -> None:
        speaker = speaker_of(update)
        if speaker is None:
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        processor = context.application.update_processor
        received = (
            processor.received_at(update) if isinstance(processor, ChatOrderedProcessor) else None
        )
        waited = started - received if received is not None else 0.0
        try:
            replies = await self.assistant.converse(
                speaker, text, display, wait=max(self.wait_seconds - waited, MIN_TRY_SECONDS)
            )
        except AssistantUnavailable as error:
            await self._send(context.bot, update, error.reply.text)
            return
        except Exception:  # a bug must not leave the user in silence either
            logger.exception("chat %s: asking the assistant failed", self._tag(update))
            language = await self._language(update)
            await self._send(context.bot, update, translate(language, texts.TROUBLE))
            return
        if kind == "/start":  # the first minute: and how to change language
            replies = [
                replace(
                    r, text=f"{r.text}\n\n{translate(r.language, texts.TELEGRAM_WELCOME_LANGUAGE)}"
                )
                if r.topic == GREETING_TOPIC
                else r
                for r in replies
            ]
        for reply in replies:
            extra = []
            if reply.topic == PRIVACY_TOPIC:
                extra.append(
                    InlineKeyboardButton(
                        translate(reply.language, texts.ERASE_MY_DATA),
                        callback_data=FORGET_CALLBACK,
                    )
                )
            data = listen_callback(reply.language, reply.listen) if reply.listen else None
            if data is not None:
                label = f"{SPEAKER_SYMBOL} {translate(reply.language, texts.LISTEN)}"
                extra.append(InlineKeyboardButton(label, callback_data=data))
            markup = inline_keyboard(reply.buttons, self.codec, extra)
            if not await self._send(context.bot, update, reply.text, markup, reply.language):
                break
        else:
            await self._speak_unasked(context.bot, update, speaker, replies)
        logger.info(
            "chat %s: %s answered in %.2f s (%s)",
            self._tag(update),
            kind,
            loop.time() - started,
            ", ".join(f"{r.topic}/{r.language}" for r in replies),
        )

    async def _speak_unasked(
        self, bot: Bot, update: Update, speaker: Speaker, replies: list[Reply]
    ) -> None:
        """With /voice on, the speech of each answer follows its text, in the background."""
        spoken = [r for r in replies if r.listen]
        if not spoken or not await self.assistant.voice(speaker):
            return

        async def speak_all() -> None:
            for reply in spoken:
                await self._speak(bot, update, speaker, reply.listen or "", reply.language)

        task = asyncio.create_task(speak_all())
        self.speaking.add(task)
        task.add_done_callback(self.speaking.discard)

    async def _speak(
        self, bot: Bot, update: Update, speaker: Speaker, answer: str, language: str
    ) -> bool:
        """Sends an answer's speech; False if there is none or it could not be made."""
        try:
            speech = await self.assistant.listen(speaker, answer, language)
        except Exception as error:  # noqa: BLE001 - the text answer is already there
            logger.error("chat %s: speech failed: %s", self._tag(update), type(error).__name__)
            return False
        if speech is None or update.effective_chat is None:
            return False
        question = update.message
        quote = question.message_id if question is not None and not is_private(question) else None
        sent = await send_speech(
            bot, update.effective_chat.id, speech, quote=quote, log_tag=self._tag(update)
        )
        logger.info(
            "chat %s: speech sent (%s, %.1f s, %s)",
            self._tag(update), language, speech.seconds, "cached" if speech.cached else "new",
        )  # fmt: skip
        return sent

    async def _menu(self, update: Update) -> InlineKeyboardMarkup | None:
        """The main menu's buttons (its families), or None when the assistant can't say."""
        speaker = speaker_of(update)
        if speaker is None:
            return None
        try:
            replies = await self.assistant.converse(speaker, MENU_PAYLOAD, wait=self.wait_seconds)
        except Exception:  # noqa: BLE001 - the caller shows the one-button menu instead
            return None
        return inline_keyboard(replies[-1].buttons, self.codec) if replies else None

    async def _send(
        self,
        bot: Bot,
        update: Update,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        language: str | None = None,
    ) -> bool:
        """Sends `text` to the update's chat (quoting the question in groups)."""
        chat = update.effective_chat
        if chat is None:
            return False
        question = update.message
        quote = question.message_id if question is not None and not is_private(question) else None
        return await send_answer(
            bot,
            chat.id,
            text,
            markup,
            quote=quote,
            empty_text=translate(language or await self._language(update), texts.CHOOSE_TOPIC),
            log_tag=self._tag(update),
        )

    async def _language(self, update: Update, text: str = "") -> str:
        """The language of the channel's own texts for this person in this chat."""
        speaker = speaker_of(update)
        if speaker is None:
            return "en"
        return await self.assistant.language_for(speaker, text)

    def _tag(self, update: Update) -> str:
        return self.tag(update.effective_chat.id if update.effective_chat else None)
