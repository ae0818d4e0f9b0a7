"""The button intents of lessons and the self-check, which the core answers without Rasa."""

LESSONS_INTENT = "lessons"
LESSON_INTENT = "lesson"
QUIZ_INTENT = "quiz"
SELFCHECK_INTENT = "selfcheck"
INTENTS = frozenset({LESSONS_INTENT, LESSON_INTENT, QUIZ_INTENT, SELFCHECK_INTENT})
