"""What a trainer sees of a workshop: who is where, who asked for help, and per quiz question
how many chose each answer, added up across languages; the summary and the CSV at the end."""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.admin.transfer import guard_cell
from bot.lessons.catalogue import Lessons
from bot.lessons.progress import Position
from bot.workshops.store import Member, WorkshopState


def position_of(positions: list[Position], lesson_id: str | None) -> dict[str, Any] | None:
    """Where a participant is in the open lesson (or the last one they were in)."""
    if not positions:
        return None
    chosen = next((p for p in reversed(positions) if p.lesson_id == lesson_id), positions[-1])
    return {
        "lesson": chosen.lesson_id,
        "step": chosen.step,
        "question": chosen.question,
        "answered": len(chosen.answers),
        "finished": chosen.finished,
    }


def question_counts(
    state: WorkshopState, lessons: Lessons, positions: dict[str, list[Position]], language: str
) -> list[dict[str, Any]]:
    """Per question of the workshop's lessons: its text and options in the trainer's
    language, the right option, and how many participants chose each option."""
    rows = []
    for lesson_id in state.lessons:
        entry = lessons.catalogue.get(lesson_id)
        if entry is None:
            continue
        text = lessons.text(lesson_id, language)
        for question in entry.questions:
            counts = dict.fromkeys(question.options, 0)
            for person in positions.values():
                for position in person:
                    chosen = position.answers.get(question.id)
                    if position.lesson_id == lesson_id and chosen in counts:
                        counts[chosen] += 1
            rows.append(
                {
                    "lesson": lesson_id,
                    "question": question.id,
                    "text": text.questions[question.id].question,
                    "options": text.questions[question.id].options,
                    "right": question.right,
                    "counts": counts,
                    "answers": sum(counts.values()),
                }
            )
    return rows


def live_view(
    state: WorkshopState,
    members: list[Member],
    positions: dict[str, list[Position]],
    lessons: Lessons,
    links: dict[str, str | None],
) -> dict[str, Any]:
    """The trainer's view, as `GET /admin/api/workshops/{id}` answers it."""
    current = state.current_lesson
    return {
        "id": state.id,
        "code": state.code,
        "title": state.title,
        "language": state.language,
        **links,
        "lessons": [
            {"id": lesson_id, "title": lessons.text(lesson_id, state.language).title}
            for lesson_id in state.lessons
            if lesson_id in lessons.catalogue
        ],
        "current_lesson": current,
        "quiz_closed": state.quiz_closed,
        "results_shown": state.results_shown,
        "ended": not state.open,
        "participants": [
            {
                "nickname": m.nickname,
                "language": m.language,
                "channel": m.channel,
                "joined_at": m.joined_at.isoformat(),
                "needs_help": m.help_at is not None,
                "position": position_of(positions.get(m.conversation_id, []), current),
            }
            for m in members
        ],
        "questions": question_counts(state, lessons, positions, state.language),
        "summary": state.summary,
    }


def summary(
    state: WorkshopState,
    members: list[Member],
    positions: dict[str, list[Position]],
    lessons: Lessons,
) -> dict[str, Any]:
    """Counts only, no nickname: what stays after the participants are erased."""
    joined = [m for m in members if m.nickname is not None]
    completed = {
        lesson_id: sum(
            any(
                p.lesson_id == lesson_id and p.finished
                for p in positions.get(m.conversation_id, [])
            )
            for m in joined
        )
        for lesson_id in state.lessons
    }
    languages: dict[str, int] = {}
    for member in joined:
        languages[member.language] = languages.get(member.language, 0) + 1
    return {
        "participants": len(joined),
        "languages": languages,
        "completed": completed,
        "questions": question_counts(state, lessons, positions, state.language),
    }


def export_csv(
    state: WorkshopState,
    members: list[Member],
    positions: dict[str, list[Position]],
    lessons: Lessons,
) -> str:
    """One row per participant and lesson: nickname, language, channel, progress, answers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    questions = [
        (lesson_id, q) for lesson_id in state.lessons if lesson_id in lessons.catalogue
        for q in lessons.catalogue[lesson_id].questions
    ]  # fmt: skip
    writer.writerow(
        ["nickname", "language", "channel", "joined_at", "lesson", "finished", "right", "questions"]
        + ["answers"]
    )
    for member in members:
        if member.nickname is None:
            continue
        for lesson_id in state.lessons:
            entry = lessons.catalogue.get(lesson_id)
            position = next(
                (p for p in positions.get(member.conversation_id, []) if p.lesson_id == lesson_id),
                None,
            )
            if entry is None or position is None:
                continue
            right = sum(
                position.answers.get(q.id) == q.right for _, q in questions if _ == lesson_id
            )
            answers = " ".join(f"{q}={a}" for q, a in sorted(position.answers.items()))
            writer.writerow(
                [
                    guard_cell(member.nickname),
                    member.language,
                    member.channel,
                    member.joined_at.isoformat(),
                    lesson_id,
                    "yes" if position.finished else "no",
                    right,
                    len(entry.questions),
                    answers,
                ]
            )
    return buffer.getvalue()
