"""Reading and checking the content files in `data/content/`.

Every problem is reported with the file and line it comes from, and nothing is loaded
while any file is broken: a half-applied content update is worse than none.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import PROJECT_ROOT
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.settings import LOCAL_SETTING_NAMES

CONTENT_DIR = PROJECT_ROOT / "data" / "content"
CATALOGUE_FILE = "catalogue.yml"
ANSWER_FIELDS = {"title", "text", "more", "source"}
REQUIRED_FIELDS = ("title", "text")
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


class ContentError(ValueError):
    """A content file is broken; the message names the file and line."""


@dataclass(frozen=True)
class TopicEntry:
    id: str
    family: str
    position: int
    related: tuple[str, ...]
    settings: tuple[str, ...]


@dataclass(frozen=True)
class AnswerEntry:
    topic_id: str
    language: str
    title: str
    text: str
    more: str | None
    source: str | None
    location: str

    def english_hash(self) -> str:
        """Identifies this wording; translations record the English hash they follow."""
        body = "\x1f".join((self.title, self.text, self.more or ""))
        return hashlib.sha256(body.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Content:
    topics: dict[str, TopicEntry]
    answers: list[AnswerEntry]


def _node_location(path: Path, node: yaml.Node, root: Path) -> str:
    return f"{_relative(path, root)}:{node.start_mark.line + 1}"


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent.parent))
    except ValueError:
        return str(path)


def _compose(path: Path, root: Path) -> yaml.MappingNode:
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except UnicodeDecodeError as error:
        raise ContentError(f"{_relative(path, root)}: not UTF-8 text ({error.reason})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ContentError(f"{_relative(path, root)}{line}: invalid YAML: {problem}") from None
    if not isinstance(node, yaml.MappingNode):
        raise ContentError(f"{_relative(path, root)}:1: expected a mapping of topic ids")
    return node


def _mapping(node: yaml.Node, path: Path, root: Path, what: str) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise ContentError(f"{_node_location(path, node, root)}: {what} must be a mapping")
    items = []
    seen = set()
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise ContentError(f"{_node_location(path, key, root)}: keys must be plain names")
        if key.value in seen:
            raise ContentError(f"{_node_location(path, key, root)}: {key.value!r} appears twice")
        seen.add(key.value)
        items.append((key.value, value))
    return items


def _strings(node: yaml.Node, path: Path, root: Path, what: str) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode) or not all(
        isinstance(item, yaml.ScalarNode) for item in node.value
    ):
        raise ContentError(f"{_node_location(path, node, root)}: {what} must be a list of ids")
    return tuple(item.value for item in node.value)


def load_catalogue(root: Path = CONTENT_DIR) -> dict[str, TopicEntry]:
    path = root / CATALOGUE_FILE
    if not path.is_file():
        raise ContentError(f"{_relative(path, root)}: the topic catalogue is missing")
    document = dict(_mapping(_compose(path, root), path, root, "the catalogue"))
    if "families" not in document:
        raise ContentError(f"{_relative(path, root)}:1: the catalogue needs `families:`")
    topics: dict[str, TopicEntry] = {}
    related_nodes = []
    for family, family_node in _mapping(document["families"], path, root, "families"):
        family_fields = dict(_mapping(family_node, path, root, f"family {family!r}"))
        if "topics" not in family_fields:
            raise ContentError(f"{_node_location(path, family_node, root)}: no `topics:`")
        for topic_id, topic_node in _mapping(family_fields["topics"], path, root, "topics"):
            if topic_id in topics:
                raise ContentError(
                    f"{_node_location(path, topic_node, root)}: topic {topic_id!r} is listed twice"
                )
            options = dict(_mapping(topic_node, path, root, f"topic {topic_id!r}"))
            related = (
                _strings(options["related"], path, root, "related") if "related" in options else ()
            )
            settings = (
                _strings(options["settings"], path, root, "settings")
                if "settings" in options
                else ()
            )
            for name in settings:
                if name not in LOCAL_SETTING_NAMES:
                    raise ContentError(
                        f"{_node_location(path, options['settings'], root)}: unknown local "
                        f"setting {name!r} (known: {', '.join(LOCAL_SETTING_NAMES)})"
                    )
            topics[topic_id] = TopicEntry(topic_id, family, len(topics), related, settings)
            if "related" in options:
                related_nodes.append((options["related"], related))
    for node, related in related_nodes:
        for topic_id in related:
            if topic_id not in topics:
                raise ContentError(
                    f"{_node_location(path, node, root)}: related topic {topic_id!r} is unknown"
                )
    return topics


def load_answers(
    path: Path, topics: dict[str, TopicEntry], root: Path = CONTENT_DIR
) -> list[AnswerEntry]:
    """The answers of one `<family>/<lang>.yml` file, checked against the catalogue."""
    family, language = path.parent.name, path.stem
    where = _relative(path, root)
    families = {topic.family for topic in topics.values()}
    if family not in families:
        raise ContentError(f"{where}: unknown family folder {family!r}")
    if language not in SUPPORTED_LANGUAGES:
        raise ContentError(
            f"{where}: unknown language {language!r} (supported: {', '.join(SUPPORTED_LANGUAGES)})"
        )
    answers = []
    for topic_id, node in _mapping(_compose(path, root), path, root, "the file"):
        location = _node_location(path, node, root)
        topic = topics.get(topic_id)
        if topic is None:
            raise ContentError(f"{location}: unknown topic id {topic_id!r}")
        if topic.family != family:
            raise ContentError(
                f"{location}: topic {topic_id!r} belongs in {topic.family}/{language}.yml"
            )
        fields: dict[str, str] = {}
        for name, value in _mapping(node, path, root, f"topic {topic_id!r}"):
            if name not in ANSWER_FIELDS:
                raise ContentError(
                    f"{_node_location(path, value, root)}: unknown field {name!r} "
                    f"(expected: {', '.join(sorted(ANSWER_FIELDS))})"
                )
            if not isinstance(value, yaml.ScalarNode):
                raise ContentError(f"{_node_location(path, value, root)}: {name} must be text")
            fields[name] = value.value.strip()
            if name != "source":
                _check_placeholders(fields[name], topic, _node_location(path, value, root))
        for name in REQUIRED_FIELDS:
            if not fields.get(name):
                raise ContentError(f"{location}: topic {topic_id!r} has no {name}")
        answers.append(
            AnswerEntry(
                topic_id=topic_id,
                language=language,
                title=fields["title"],
                text=fields["text"],
                more=fields.get("more") or None,
                source=fields.get("source") or None,
                location=location,
            )
        )
    return answers


def _check_placeholders(text: str, topic: TopicEntry, location: str) -> None:
    for name in PLACEHOLDER.findall(text):
        if name not in topic.settings:
            allowed = ", ".join(f"{{{s}}}" for s in topic.settings) or "none"
            raise ContentError(
                f"{location}: placeholder {{{name}}} is not allowed in {topic.id!r} "
                f"(allowed: {allowed})"
            )


def answer_files(root: Path = CONTENT_DIR) -> list[Path]:
    return sorted(path for path in root.glob("*/*.yml") if path.is_file())


def load_content(root: Path = CONTENT_DIR) -> Content:
    """All topics and answers, or a ContentError naming the first broken file and line."""
    topics = load_catalogue(root)
    answers: list[AnswerEntry] = []
    for path in answer_files(root):
        answers.extend(load_answers(path, topics, root))
    if not any(answer.language == DEFAULT_LANGUAGE for answer in answers):
        raise ContentError(f"{_relative(root, root)}: no English answers: English is the fallback")
    return Content(topics=topics, answers=answers)
