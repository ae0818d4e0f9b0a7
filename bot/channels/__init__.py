"""The ways people reach the assistant, one package each, all against `bot.core.channel`.

`configured_channels` is the one registry: the web chat always, Telegram when its token is
set. A new channel is a module with a `Channel` class and one line here.
"""

from __future__ import annotations

from bot.core.assistant import Assistant
from bot.core.channel import Channel
from bot.settings import Settings


def configured_channels(settings: Settings, assistant: Assistant) -> list[Channel]:
    from bot.channels.telegram.service import telegram_channel
    from bot.channels.web import WebChannel

    channels: list[Channel] = [WebChannel(assistant.people)]
    telegram = telegram_channel(settings, assistant)
    if telegram is not None:
        channels.append(telegram)
    return channels
