"""Channels: the ways citizens reach the assistant (Telegram; the web chat is in the gateway)."""
