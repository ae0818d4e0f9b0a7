"""Putting one answer in a chat: split to Telegram's limit, escaped, keyboard under the
last part, each part sent once; or its speech, as a voice message.

A part that cannot be sent stops the rest (a gap in the middle of an answer is worse than
an answer cut short), and nothing already sent is sent again.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, ReplyParameters
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.channels.telegram.rendering import escape, split_message
from bot.speech.service import Speech

logger = logging.getLogger(__name__)


async def send_answer(
    bot: Bot,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    quote: int | None = None,
    empty_text: str = "",
    log_tag: str = "-",
) -> bool:
    """Sends `text` as one or more messages; False if a part could not be sent.

    `quote` is the id of the message answered (groups), `empty_text` what to show above a
    keyboard that comes with no text, `log_tag` how logs name the chat.
    """
    parts = split_message(text) or split_message(empty_text if markup is not None else "")
    for index, part in enumerate(parts):
        options: dict[str, Any] = {}
        if index == len(parts) - 1 and markup is not None:
            options["reply_markup"] = markup
        if index == 0 and quote is not None:
            options["reply_parameters"] = ReplyParameters(quote, allow_sending_without_reply=True)
        try:
            try:
                await bot.send_message(chat_id, escape(part), **options)
            except BadRequest as error:
                if "entities" not in str(error).lower():
                    raise
                # Never expected (everything is escaped), but plain text still gets through;
                # Telegram refused the first try, so this does not send the part twice.
                logger.error("chat %s: HTML refused (%s); sent as plain text", log_tag, error)
                await bot.send_message(chat_id, part, parse_mode=None, **options)
        except Forbidden:
            logger.info("chat %s: the user has blocked the bot", log_tag)
            return False
        except TelegramError as error:
            logger.warning(
                "chat %s: message not sent (%s: %s)", log_tag, type(error).__name__, error
            )
            return False
    return True


async def send_speech(
    bot: Bot, chat_id: int, speech: Speech, *, quote: int | None = None, log_tag: str = "-"
) -> bool:
    """Sends an answer's speech as a voice message (OGG/Opus, as `sendVoice` expects)."""
    options: dict[str, Any] = {}
    if quote is not None:
        options["reply_parameters"] = ReplyParameters(quote, allow_sending_without_reply=True)
    try:
        await bot.send_voice(
            chat_id,
            InputFile(speech.ogg_opus, filename="answer.ogg"),
            duration=max(1, round(speech.seconds)),
            **options,
        )
    except Forbidden:
        logger.info("chat %s: the user has blocked the bot", log_tag)
        return False
    except TelegramError as error:
        logger.warning("chat %s: voice not sent (%s: %s)", log_tag, type(error).__name__, error)
        return False
    return True
