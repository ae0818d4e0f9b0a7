"""Reading and checking the lessons in `data/lessons/`: the catalogue and each language's text.

The catalogue fixes what must be the same in every language (steps, questions, options and
the right answer), so that a workshop adds up answers given in different languages. A
language that lacks a lesson shows it in English (a lesson is never mixed); nothing is loaded
while any file is broken, and every problem is named with its file and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import PROJECT_ROOT
from bot.content.files import CONTENT_DIR, ContentError, load_catalogue
from bot.content.validation import field_problems
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

LESSONS_DIR = PROJECT_ROOT / "data" / "lessons"
CATALOGUE_FILE = "catalogue.yml"
# The five areas of DigComp 2.2, in its order.
AREAS = ("information", "communication", "content_creation", "safety", "problem_solving")
STEPS_RANGE = range(3, 7)
QUESTIONS_RANGE = range(3, 6)
LIMITS = {
    "title": 40, "summary": 120, "step": 550, "question": 250, "option": 70,
    "feedback": 200, "area": 40,
}  # fmt: skip


@dataclass(frozen=True)
class QuestionEntry:
    id: str
    options: tuple[str, ...]
    right: str
    area: str | None = None  # self-check questions only


@dataclass(frozen=True)
class LessonEntry:
    id: str
    position: int
    area: str
    topics: tuple[str, ...]
    steps: int
    questions: tuple[QuestionEntry, ...]

    def question(self, question_id: str) -> QuestionEntry | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class QuestionText:
    question: str
    options: dict[str, str]
    feedback: dict[str, str]


@dataclass(frozen=True)
class LessonText:
    title: str
    summary: str
    steps: tuple[str, ...]
    questions: dict[str, QuestionText]


@dataclass
class Lessons:
    """Every lesson and the self-check, with their texts in the languages that have them."""

    catalogue: dict[str, LessonEntry]
    selfcheck: tuple[QuestionEntry, ...]
    texts: dict[str, dict[str, LessonText]] = field(default_factory=dict)
    selfcheck_texts: dict[str, dict[str, QuestionText]] = field(default_factory=dict)
    area_names: dict[str, dict[str, str]] = field(default_factory=dict)

    def text(self, lesson_id: str, language: str) -> LessonText:
        """The lesson in `language`, or whole in English where that language lacks it."""
        texts = self.texts.get(language, {})
        return texts.get(lesson_id) or self.texts[DEFAULT_LANGUAGE][lesson_id]

    def selfcheck_text(self, question_id: str, language: str) -> QuestionText:
        texts = self.selfcheck_texts.get(language, {})
        if len(texts) == len(self.selfcheck):
            return texts[question_id]
        return self.selfcheck_texts[DEFAULT_LANGUAGE][question_id]

    def area_name(self, area: str, language: str) -> str:
        names = self.area_names.get(language, {})
        return names.get(area) or self.area_names[DEFAULT_LANGUAGE][area]

    def missing(self, language: str) -> list[str]:
        """What `language` shows in English: lesson ids, `selfcheck`, `areas`."""
        texts = self.texts.get(language, {})
        missing = [lesson for lesson in self.catalogue if lesson not in texts]
        if len(self.selfcheck_texts.get(language, {})) < len(self.selfcheck):
            missing.append("selfcheck")
        if len(self.area_names.get(language, {})) < len(AREAS):
            missing.append("areas")
        return missing

    def for_area(self, area: str) -> list[str]:
        return [lesson.id for lesson in self.catalogue.values() if lesson.area == area]


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")

    def raise_any(self) -> None:
        if self.lines:
            shown = self.lines[:20]
            more = len(self.lines) - len(shown)
            tail = f"\n... and {more} more" if more > 0 else ""
            raise ContentError("\n".join(shown) + tail)


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ContentError(f"{_shown(path)}: not UTF-8 text ({error.reason})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ContentError(f"{_shown(path)}{line}: invalid YAML: {problem}") from None


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _question_entry(
    question_id: str, data: Any, where: str, problems: _Problems, with_area: bool
) -> QuestionEntry | None:
    if not isinstance(data, dict):
        problems.add(where, f"question {question_id!r} must be a mapping")
        return None
    options = data.get("options")
    right = data.get("right")
    area = data.get("area") if with_area else None
    if not isinstance(options, list) or len(options) < 2 or len(set(options)) != len(options):
        problems.add(where, f"question {question_id!r} needs a list of distinct option ids")
        return None
    if right not in options:
        problems.add(where, f"question {question_id!r}: the right option {right!r} is not listed")
        return None
    if with_area and area not in AREAS:
        problems.add(where, f"question {question_id!r}: unknown area {area!r}")
        return None
    return QuestionEntry(question_id, tuple(str(o) for o in options), str(right), area)


def load_catalogue_file(
    root: Path = LESSONS_DIR, content: Path = CONTENT_DIR
) -> tuple[dict[str, LessonEntry], tuple[QuestionEntry, ...]]:
    path = root / CATALOGUE_FILE
    where = _shown(path)
    data = _read(path)
    problems = _Problems()
    if not isinstance(data, dict) or not isinstance(data.get("lessons"), dict):
        raise ContentError(f"{where}: expected `lessons:` and `selfcheck:` mappings")
    topics = load_catalogue(content)
    lessons: dict[str, LessonEntry] = {}
    for position, (lesson_id, entry) in enumerate(data["lessons"].items()):
        at = f"{where}: {lesson_id}"
        if not isinstance(entry, dict):
            problems.add(at, "must be a mapping")
            continue
        if entry.get("area") not in AREAS:
            problems.add(at, f"unknown area {entry.get('area')!r} (one of {', '.join(AREAS)})")
        unknown = [t for t in entry.get("topics") or [] if t not in topics]
        if unknown or not entry.get("topics"):
            problems.add(at, f"topics must be content topics (unknown: {unknown})")
        if entry.get("steps") not in STEPS_RANGE:
            problems.add(at, "a lesson has 3 to 6 steps")
        quiz = entry.get("quiz") if isinstance(entry.get("quiz"), dict) else {}
        if len(quiz) not in QUESTIONS_RANGE:
            problems.add(at, "a quiz has 3 to 5 questions")
        questions = [_question_entry(q, d, at, problems, False) for q, d in quiz.items()]
        lessons[str(lesson_id)] = LessonEntry(
            id=str(lesson_id),
            position=position,
            area=str(entry.get("area")),
            topics=tuple(entry.get("topics") or ()),
            steps=entry.get("steps") if isinstance(entry.get("steps"), int) else 0,
            questions=tuple(q for q in questions if q is not None),
        )
    raw_selfcheck = data.get("selfcheck") if isinstance(data.get("selfcheck"), dict) else {}
    selfcheck = tuple(
        q
        for q in (
            _question_entry(qid, d, f"{where}: selfcheck", problems, True)
            for qid, d in raw_selfcheck.items()
        )
        if q is not None
    )
    uncovered = [a for a in AREAS if not any(q.area == a for q in selfcheck)]
    if uncovered:
        problems.add(f"{where}: selfcheck", f"no question in the areas {uncovered}")
    unlessoned = [a for a in AREAS if not any(lesson.area == a for lesson in lessons.values())]
    if unlessoned:
        problems.add(where, f"no lesson for the areas {unlessoned}")
    problems.raise_any()
    return lessons, selfcheck


def _text(value: Any, name: str, limit: int, where: str, problems: _Problems) -> str:
    if not isinstance(value, str):
        problems.add(where, f"{name} must be text")
        return ""
    for problem in field_problems(name, value, limit, where=where):
        problems.add(where, problem.message)
    return value.strip()


def _question_text(
    entry: QuestionEntry, data: Any, where: str, problems: _Problems
) -> QuestionText | None:
    if not isinstance(data, dict):
        problems.add(where, "must be a mapping with question, options and feedback")
        return None
    question = _text(data.get("question"), "question", LIMITS["question"], where, problems)
    parts: dict[str, dict[str, str]] = {}
    for part, limit in (("options", LIMITS["option"]), ("feedback", LIMITS["feedback"])):
        given = data.get(part) if isinstance(data.get(part), dict) else {}
        if sorted(map(str, given)) != sorted(entry.options):
            problems.add(where, f"{part} must be exactly {', '.join(entry.options)}")
        parts[part] = {
            o: _text(given.get(o), f"{part}.{o}", limit, where, problems) for o in entry.options
        }
    return QuestionText(question, parts["options"], parts["feedback"])


def _lesson_text(entry: LessonEntry, data: Any, where: str, problems: _Problems) -> LessonText:
    if not isinstance(data, dict):
        problems.add(where, "must be a mapping")
        data = {}
    title = _text(data.get("title"), "title", LIMITS["title"], where, problems)
    summary = _text(data.get("summary"), "summary", LIMITS["summary"], where, problems)
    steps = data.get("steps") if isinstance(data.get("steps"), list) else []
    if len(steps) != entry.steps:
        problems.add(where, f"has {len(steps)} steps; the catalogue says {entry.steps}")
    step_texts = tuple(
        _text(s, f"step {n}", LIMITS["step"], where, problems) for n, s in enumerate(steps, 1)
    )
    quiz = data.get("quiz") if isinstance(data.get("quiz"), dict) else {}
    if sorted(quiz) != sorted(q.id for q in entry.questions):
        problems.add(where, f"quiz must have the questions {[q.id for q in entry.questions]}")
    questions = {
        q.id: text
        for q in entry.questions
        if (text := _question_text(q, quiz.get(q.id), f"{where}.quiz.{q.id}", problems))
    }
    return LessonText(title, summary, step_texts, questions)


SELFCHECK_ITEM = "selfcheck"
AREAS_ITEM = "areas"
Overrides = dict[tuple[str, str], Any]  # (lesson id, `selfcheck` or `areas`; language) -> text


def _with_overrides(data: dict[str, Any], language: str, overrides: Overrides) -> dict[str, Any]:
    """A language's file data with the texts edited in the admin interface in place."""
    merged = {**data, "lessons": dict(data.get("lessons") or {})}
    for (item, item_language), document in overrides.items():
        if item_language != language:
            continue
        if item in (SELFCHECK_ITEM, AREAS_ITEM):
            merged[item] = document
        else:
            merged["lessons"][item] = document
    return merged


def load_lessons(
    root: Path = LESSONS_DIR, content: Path = CONTENT_DIR, overrides: Overrides | None = None
) -> Lessons:
    """Every lesson, checked, with `overrides` (edited texts) over the files' texts; raises
    ContentError naming every problem found."""
    catalogue, selfcheck = load_catalogue_file(root, content)
    lessons = Lessons(catalogue, selfcheck)
    problems = _Problems()
    overrides = overrides or {}
    for language in SUPPORTED_LANGUAGES:
        path = root / f"{language}.yml"
        edited = any(item_language == language for _, item_language in overrides)
        if not path.is_file() and not edited:
            if language == DEFAULT_LANGUAGE:
                problems.add(_shown(path), "English is required")
            continue
        where = _shown(path)
        data = (_read(path) if path.is_file() else {}) or {}
        if not isinstance(data, dict):
            problems.add(where, "expected a mapping with areas, lessons and selfcheck")
            continue
        data = _with_overrides(data, language, overrides)
        areas = data.get("areas") if isinstance(data.get("areas"), dict) else {}
        lessons.area_names[language] = {
            a: _text(areas[a], f"area {a}", LIMITS["area"], where, problems)
            for a in AREAS
            if a in areas
        }
        texts = data.get("lessons") if isinstance(data.get("lessons"), dict) else {}
        for lesson_id in texts:
            if lesson_id not in catalogue:
                problems.add(where, f"lesson {lesson_id!r} is not in the catalogue")
        lessons.texts[language] = {
            lesson_id: _lesson_text(entry, texts[lesson_id], f"{where}: {lesson_id}", problems)
            for lesson_id, entry in catalogue.items()
            if lesson_id in texts
        }
        checks = data.get("selfcheck") if isinstance(data.get("selfcheck"), dict) else {}
        lessons.selfcheck_texts[language] = {
            q.id: text
            for q in selfcheck
            if q.id in checks
            and (text := _question_text(q, checks[q.id], f"{where}: selfcheck.{q.id}", problems))
        }
    english = DEFAULT_LANGUAGE
    if english in lessons.texts and lessons.missing(english):
        problems.add(f"data/lessons/{english}.yml", f"English lacks {lessons.missing(english)}")
    problems.raise_any()
    return lessons
