"""The Telegram channel: python-telegram-bot in front of the same Rasa assistant as the web chat.

Modules, one job each: `config` (settings checks), `rendering` (escaping, splitting),
`keyboards` (inline keyboards, callback data), `addressing` (groups), `chats` (log tags,
per-chat memory), `dedup` and `ordering` (updates), `transport` (retries, rate limits),
`sending` (one answer into a chat), `handlers` (what each update gets), `application` (the
wiring), `webhook` and `service` (running it, alone or inside `digibridge up`).
"""
