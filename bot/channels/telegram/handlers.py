"""What each Telegram update gets: commands, free text, button presses, everything else.

Every message goes to Rasa through `converse`, like the web chat's, with sender `tg:<chat>`
and the user's Telegram `language_code` as the language hint; the action server decides the
reply language. The channel writes only a few texts itself (non-text reply, trouble, erase
confirmation), in the language of its last answer to the chat, else the user's.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.channels.telegram.addressing import (
    from_a_bot,
    is_addressed,
    is_private,
    without_mention,
)
from bot.channels.telegram.chats import ChatLanguages, ChatTagger, sender_id
from bot.channels.telegram.dedup import RecentUpdates
from bot.channels.telegram.keyboards import (
    FORGET_CALLBACK,
    MENU_PAYLOAD,
    CallbackCodec,
    inline_keyboard,
    pressed_title,
)
from bot.channels.telegram.ordering import ChatOrderedProcessor
from bot.channels.telegram.sending import send_answer
from bot.gateway.chat_api import clean_text, converse
from bot.gateway.conversations import ConversationEraser
from bot.gateway.rasa_client import RasaClient, RasaUnavailable
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import DEFAULT_LANGUAGE, negotiate

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
# Commands as payloads Rasa understands without NLU; /forget is handled here.
COMMAND_PAYLOADS = {
    "start": "/greet",
    "help": "/help",
    "menu": "/help",
    "language": "/change_language",
    "privacy": "/privacy_request",
}
FORGET_COMMAND = "forget"
PRIVACY_TOPIC = "privacy_request"
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

    rasa: RasaClient
    eraser: ConversationEraser
    tag: ChatTagger
    reply_timeout: float = MAX_WAIT_SECONDS
    max_message_chars: int = 2000
    codec: CallbackCodec = field(default_factory=CallbackCodec)
    languages: ChatLanguages = field(default_factory=ChatLanguages)
    recent: RecentUpdates = field(default_factory=RecentUpdates)

    @property
    def wait_seconds(self) -> float:
        return min(self.reply_timeout, MAX_WAIT_SECONDS)

    # -- update callbacks (registered in application.py) --------------------------------

    async def drop_duplicates(self, update: Update, context: Context) -> None:
        """Runs before every other handler: an update seen before stops here."""
        if not self.recent.first_time(update.update_id):
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
            language = self._language(update)
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
        payload = self.codec.decode(query.data) or MENU_PAYLOAD
        markup = query.message.reply_markup if isinstance(query.message, Message) else None
        await self._ask(update, context, payload, pressed_title(markup, query.data), "button")

    async def other(self, update: Update, context: Context) -> None:
        """Photos, voice notes, stickers, locations, edits...: what we can read instead."""
        message = update.effective_message
        if message is None or update.effective_chat is None:
            return
        if not is_private(message) and not (
            update.edited_message is None
            and is_addressed(message, context.bot.username, context.bot.id)
        ):
            return
        if message.from_user is None or from_a_bot(message):
            return  # channel posts, other bots
        language = self._language(update)
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
        await self._send(context.bot, update, translate(language, texts.TEXT_ONLY), menu)
        logger.info("chat %s: non-text update answered (%s)", self._tag(update), language)

    async def forget(self, update: Update, context: Context) -> None:
        """Erases what Rasa stores for the chat and what we keep, then confirms."""
        chat = update.effective_chat
        if chat is None:
            return
        language = self._language(update)
        loop = asyncio.get_running_loop()
        try:
            erased = await loop.run_in_executor(None, self.eraser.erase, sender_id(chat.id))
        except SQLAlchemyError as error:
            logger.error("chat %s: erasing failed: %s", self._tag(update), type(error).__name__)
            await self._send(context.bot, update, translate(language, texts.TROUBLE))
            return
        self.languages.forget(chat.id)
        logger.info("chat %s: conversation erased (%d events)", self._tag(update), erased)
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
        chat = update.effective_chat
        if chat is None:
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        processor = context.application.update_processor
        received = (
            processor.received_at(update) if isinstance(processor, ChatOrderedProcessor) else None
        )
        waited = started - received if received is not None else 0.0
        try:
            messages = await asyncio.wait_for(
                converse(self.rasa, sender_id(chat.id), text, _hint(update), CHANNEL, display),
                max(self.wait_seconds - waited, MIN_TRY_SECONDS),
            )
        except (RasaUnavailable, asyncio.TimeoutError) as error:
            language = self._language(update)
            logger.warning(
                "chat %s: assistant unavailable (%s); told the user (%s)",
                self._tag(update),
                str(error) or type(error).__name__,
                language,
            )
            await self._send(context.bot, update, translate(language, texts.TROUBLE))
            return
        except Exception:  # a bug must not leave the user in silence either
            logger.exception("chat %s: asking the assistant failed", self._tag(update))
            await self._send(context.bot, update, translate(self._language(update), texts.TROUBLE))
            return
        if not messages:
            logger.warning("chat %s: %s got no answer from Rasa", self._tag(update), kind)
        for message in messages:
            language = message.get("language") or DEFAULT_LANGUAGE
            extra = []
            if message.get("topic") == PRIVACY_TOPIC:
                extra.append(
                    InlineKeyboardButton(
                        translate(language, texts.ERASE_MY_DATA), callback_data=FORGET_CALLBACK
                    )
                )
            markup = inline_keyboard(message.get("buttons") or [], self.codec, extra)
            if not await self._send(context.bot, update, message.get("text") or "", markup):
                break
            self.languages.remember(chat.id, language)
        logger.info(
            "chat %s: %s answered in %.2f s (%s)",
            self._tag(update),
            kind,
            loop.time() - started,
            ", ".join(f"{m.get('topic')}/{m.get('language')}" for m in messages),
        )

    async def _send(
        self,
        bot: Bot,
        update: Update,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
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
            empty_text=translate(self._language(update), texts.CHOOSE_TOPIC),
            log_tag=self._tag(update),
        )

    def _language(self, update: Update) -> str:
        """The language of the channel's own texts for this chat."""
        chat = update.effective_chat
        remembered = self.languages.get(chat.id) if chat is not None else None
        return remembered or negotiate(_hint(update)) or DEFAULT_LANGUAGE

    def _tag(self, update: Update) -> str:
        return self.tag(update.effective_chat.id if update.effective_chat else None)


def _hint(update: Update) -> list[str]:
    user = update.effective_user
    return [user.language_code] if user is not None and user.language_code else []
