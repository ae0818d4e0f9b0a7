"""What the assistant says: answers, menus and clarifications, built from content and i18n.

Rasa actions call these functions; they know nothing of Rasa, so they are tested directly.
"""
