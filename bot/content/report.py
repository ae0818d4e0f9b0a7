"""Completeness of the content: every topic in every language, current and chat-sized.

Lessons (`data/lessons/`) are reported too, as `lessons/<id>` (and `lessons/selfcheck`,
`lessons/areas`) where a language shows them in English.

A translation records (`source:`) the hash of the English answer it was last checked
against; when the English changes, the translation is stale until a translator checks it
and runs `digibridge content stamp`. A family's menu title works the same way
(`family_title_source:`), and is reported as `<family>/family_title`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

from bot.content.files import (
    CONTENT_DIR,
    FAMILY_TITLE_KEY,
    FAMILY_TITLE_KEYS,
    FAMILY_TITLE_SOURCE_KEY,
    AnswerEntry,
    Content,
    answer_files,
    load_content,
)
from bot.content.validation import is_too_long
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.lessons.catalogue import load_lessons


@dataclass
class LanguageReport:
    language: str
    complete: int = 0
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    too_long: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.too_long)


def _too_long(answer: AnswerEntry) -> bool:
    return is_too_long(answer.title, answer.text, answer.more)


def family_title_key(family: str) -> str:
    """How reports (and `stamp`'s `topics`) name a family's menu title."""
    return f"{family}/{FAMILY_TITLE_KEY}"


def _check_family_titles(content: Content, report: LanguageReport) -> None:
    """Missing or stale menu titles; a family that is not in the menu needs none."""
    language = report.language
    for family in content.families.values():
        english = content.family_title(family.id, DEFAULT_LANGUAGE)
        title = content.family_title(family.id, language)
        if title is None:
            if family.in_menu:
                report.missing.append(family_title_key(family.id))
        elif (
            language != DEFAULT_LANGUAGE
            and english is not None
            and title.source != english.english_hash()
        ):
            report.stale.append(family_title_key(family.id))


def completeness(root: Path = CONTENT_DIR) -> list[LanguageReport]:
    content = load_content(root)
    by_key = {(a.topic_id, a.language): a for a in content.answers}
    reports = []
    for language in SUPPORTED_LANGUAGES:
        report = LanguageReport(language)
        for topic_id in content.topics:
            answer = by_key.get((topic_id, language))
            if answer is None:
                report.missing.append(topic_id)
                continue
            english = by_key.get((topic_id, DEFAULT_LANGUAGE))
            if (
                language != DEFAULT_LANGUAGE
                and english is not None
                and answer.source != english.english_hash()
            ):
                report.stale.append(topic_id)
            if _too_long(answer):
                report.too_long.append(topic_id)
            if answer.topic_id not in report.stale + report.too_long:
                report.complete += 1
        _check_family_titles(content, report)
        reports.append(report)
    lessons_dir = root.parent / "lessons"
    if (lessons_dir / "catalogue.yml").is_file():
        lessons = load_lessons(lessons_dir, root)
        for report in reports:
            report.missing += [f"lessons/{item}" for item in lessons.missing(report.language)]
    return reports


def format_report(reports: list[LanguageReport], topics: int) -> str:
    lines = [f"{'language':<9} {'complete':>8} {'missing':>8} {'stale':>6} {'too long':>8}"]
    for r in reports:
        lines.append(
            f"{r.language:<9} {r.complete:>5}/{topics:<2} {len(r.missing):>8} "
            f"{len(r.stale):>6} {len(r.too_long):>8}"
        )
    for r in reports:
        for kind, ids in (("missing", r.missing), ("stale", r.stale), ("too long", r.too_long)):
            if ids:
                lines.append(f"{r.language} {kind}: {', '.join(ids)}")
    return "\n".join(lines)


def stamp(language: str, root: Path = CONTENT_DIR, topics: list[str] | None = None) -> int:
    """Marks translations as checked against the current English; the number stamped.

    `topics` limits it to those topic ids and `<family>/family_title` keys."""
    content = load_content(root)
    english = {
        a.topic_id: a.english_hash() for a in content.answers if a.language == DEFAULT_LANGUAGE
    }
    english_titles = {
        t.family: t.english_hash() for t in content.family_titles if t.language == DEFAULT_LANGUAGE
    }
    yaml = YAML()  # round-trip: keeps the translator's layout and comments
    yaml.width = 4096
    yaml.preserve_quotes = True
    stamped = 0
    for path in answer_files(root):
        if path.stem != language:
            continue
        document = yaml.load(path.read_text(encoding="utf-8"))
        changed = False
        for topic_id, answer in document.items():
            if topic_id in FAMILY_TITLE_KEYS:
                continue
            wanted = topic_id in english and (topics is None or topic_id in topics)
            if wanted and answer.get("source") != english[topic_id]:
                answer["source"] = english[topic_id]
                changed = True
                stamped += 1
        family = path.parent.name
        wanted = topics is None or family_title_key(family) in topics
        if (
            wanted
            and FAMILY_TITLE_KEY in document
            and family in english_titles
            and document.get(FAMILY_TITLE_SOURCE_KEY) != english_titles[family]
        ):
            if FAMILY_TITLE_SOURCE_KEY in document:
                document[FAMILY_TITLE_SOURCE_KEY] = english_titles[family]
            else:  # right under the title, not at the end of the file
                position = list(document).index(FAMILY_TITLE_KEY) + 1
                document.insert(position, FAMILY_TITLE_SOURCE_KEY, english_titles[family])
            changed = True
            stamped += 1
        if changed:
            with path.open("w", encoding="utf-8") as out:
                yaml.dump(document, out)
    return stamped
