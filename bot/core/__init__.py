"""The assistant's core: where a channel's message becomes a conversation turn and back.

Channels hand the core who is speaking and what they sent; the core asks Rasa, keeps what
the project stores about the person, sends messages to people unasked, and erases a person
from every store in one call. Nothing here knows about HTTP requests or Telegram updates.
"""
