"""The command menu Telegram shows beside the text box, in each of our languages.

Telegram picks the list whose `language_code` matches the user's app language, else the
one without a language: that one is English, the fallback everywhere else too.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.error import NetworkError, TelegramError

from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

logger = logging.getLogger(__name__)

COMMAND_MENU = (
    ("start", texts.COMMAND_START),
    ("help", texts.COMMAND_HELP),
    ("menu", texts.MAIN_MENU),
    ("language", texts.COMMAND_LANGUAGE),
    ("privacy", texts.COMMAND_PRIVACY),
    ("voice", texts.COMMAND_VOICE),
    ("lessons", texts.COMMAND_LESSONS),
    ("forget", texts.ERASE_MY_DATA),
)


def command_menu(language: str) -> list[BotCommand]:
    return [BotCommand(name, translate(language, text)) for name, text in COMMAND_MENU]


async def publish_command_menus(bot: Bot) -> None:
    """Sets the menu for every language (and the default); a refusal is logged, not fatal."""
    try:
        await bot.set_my_commands(command_menu(DEFAULT_LANGUAGE))
        for language in SUPPORTED_LANGUAGES:
            await bot.set_my_commands(command_menu(language), language_code=language)
    except NetworkError:
        raise  # retried by the caller, like every start-up call
    except TelegramError as error:
        logger.warning("Telegram refused the command menu: %s", error)
