"""Reading and checking the content files in `data/content/`.

Every problem is reported with the file and line it comes from, and nothing is loaded
while any file is broken: a half-applied content update is worse than none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import PROJECT_ROOT
from bot.content.validation import answer_problems
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.settings import LOCAL_SETTING_NAMES

CONTENT_DIR = PROJECT_ROOT / "data" / "content"
CATALOGUE_FILE = "catalogue.yml"
ANSWER_FIELDS = {"title", "text", "more", "source"}
FAMILY_FIELDS = ("topics", "source", "menu")
# Top-level keys of `<family>/<lang>.yml` that are not topic ids: the family's menu title,
# and (in translations) the hash of the English title it was last checked against.
FAMILY_TITLE_KEY = "family_title"
FAMILY_TITLE_SOURCE_KEY = "family_title_source"
FAMILY_TITLE_KEYS = (FAMILY_TITLE_KEY, FAMILY_TITLE_SOURCE_KEY)
MAX_FAMILY_TITLE_CHARS = 60
_STR_TAG = "tag:yaml.org,2002:str"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_ID = re.compile(r"\w+")


class ContentError(ValueError):
    """A content file is broken; the message names the file and line."""


@dataclass(frozen=True)
class FamilyEntry:
    """A family of the catalogue: its menu position, the source its answers cite, if any
    (`source: gdi_statement`), and whether the main menu shows it (`menu:`, default true)."""

    id: str
    position: int
    source: str | None
    in_menu: bool


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
        return answer_hash(self.title, self.text, self.more)


def answer_hash(title: str, text: str, more: str | None) -> str:
    """Identifies an answer's wording (the `source:` a translation records of its English)."""
    body = "\x1f".join((title, text, more or ""))
    return hashlib.sha256(body.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class FamilyTitleEntry:
    """The `family_title:` of one `<family>/<lang>.yml`: the family's menu title."""

    family: str
    language: str
    title: str
    source: str | None
    location: str

    def english_hash(self) -> str:
        """Identifies this wording, as `AnswerEntry.english_hash` does for answers."""
        return hashlib.sha256(self.title.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Content:
    topics: dict[str, TopicEntry]
    answers: list[AnswerEntry]
    families: dict[str, FamilyEntry]
    family_titles: list[FamilyTitleEntry]

    def family_title(self, family: str, language: str) -> FamilyTitleEntry | None:
        """The family's title as written in `language`'s file (no fallback)."""
        for entry in self.family_titles:
            if entry.family == family and entry.language == language:
                return entry
        return None


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
    """The topics of `catalogue.yml`, in menu order."""
    return _read_catalogue(root)[1]


def load_families(root: Path = CONTENT_DIR) -> dict[str, FamilyEntry]:
    """The families of `catalogue.yml`, in menu order."""
    return _read_catalogue(root)[0]


def _family_entry(
    family: str, position: int, fields: dict[str, yaml.Node], path: Path, root: Path
) -> FamilyEntry:
    for name, node in fields.items():
        if name not in FAMILY_FIELDS:
            raise ContentError(
                f"{_node_location(path, node, root)}: unknown family field {name!r} "
                f"(expected: {', '.join(FAMILY_FIELDS)})"
            )
    source = None
    if "source" in fields:
        node = fields["source"]
        if not (isinstance(node, yaml.ScalarNode) and _ID.fullmatch(node.value)):
            raise ContentError(
                f"{_node_location(path, node, root)}: the source of family {family!r} "
                "must be an id such as gdi_statement"
            )
        source = node.value
    in_menu = True
    if "menu" in fields:
        node = fields["menu"]
        if not (isinstance(node, yaml.ScalarNode) and node.tag == _BOOL_TAG):
            raise ContentError(
                f"{_node_location(path, node, root)}: `menu:` of family {family!r} "
                "must be true or false"
            )
        in_menu = yaml.constructor.SafeConstructor.bool_values[node.value.lower()]
    return FamilyEntry(id=family, position=position, source=source, in_menu=in_menu)


def _read_catalogue(root: Path) -> tuple[dict[str, FamilyEntry], dict[str, TopicEntry]]:
    path = root / CATALOGUE_FILE
    if not path.is_file():
        raise ContentError(f"{_relative(path, root)}: the topic catalogue is missing")
    document = dict(_mapping(_compose(path, root), path, root, "the catalogue"))
    if "families" not in document:
        raise ContentError(f"{_relative(path, root)}:1: the catalogue needs `families:`")
    families: dict[str, FamilyEntry] = {}
    topics: dict[str, TopicEntry] = {}
    related_nodes = []
    for family, family_node in _mapping(document["families"], path, root, "families"):
        family_fields = dict(_mapping(family_node, path, root, f"family {family!r}"))
        if "topics" not in family_fields:
            raise ContentError(f"{_node_location(path, family_node, root)}: no `topics:`")
        families[family] = _family_entry(family, len(families), family_fields, path, root)
        for topic_id, topic_node in _mapping(family_fields["topics"], path, root, "topics"):
            if topic_id in FAMILY_TITLE_KEYS:
                raise ContentError(
                    f"{_node_location(path, topic_node, root)}: {topic_id!r} is reserved "
                    "for the family's menu title and cannot be a topic id"
                )
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
    return families, topics


def load_answers(
    path: Path, topics: dict[str, TopicEntry], root: Path = CONTENT_DIR
) -> list[AnswerEntry]:
    """The answers of one `<family>/<lang>.yml` file, checked against the catalogue."""
    return load_family_file(path, topics, root)[0]


def load_family_file(
    path: Path,
    topics: dict[str, TopicEntry],
    root: Path = CONTENT_DIR,
    families: Iterable[str] | None = None,
) -> tuple[list[AnswerEntry], FamilyTitleEntry | None]:
    """The answers and the family title of one `<family>/<lang>.yml` file, checked against
    the catalogue (`families`: its family ids, by default those of `topics`)."""
    family, language = path.parent.name, path.stem
    where = _relative(path, root)
    known = set(families) if families is not None else {t.family for t in topics.values()}
    if family not in known:
        raise ContentError(f"{where}: unknown family folder {family!r}")
    if language not in SUPPORTED_LANGUAGES:
        raise ContentError(
            f"{where}: unknown language {language!r} (supported: {', '.join(SUPPORTED_LANGUAGES)})"
        )
    answers = []
    title_nodes: dict[str, yaml.Node] = {}
    for topic_id, node in _mapping(_compose(path, root), path, root, "the file"):
        location = _node_location(path, node, root)
        if topic_id in FAMILY_TITLE_KEYS:
            title_nodes[topic_id] = node
            continue
        topic = topics.get(topic_id)
        if topic is None:
            raise ContentError(f"{location}: unknown topic id {topic_id!r}")
        if topic.family != family:
            raise ContentError(
                f"{location}: topic {topic_id!r} belongs in {topic.family}/{language}.yml"
            )
        fields: dict[str, str] = {}
        lines: dict[str, str] = {}
        for name, value in _mapping(node, path, root, f"topic {topic_id!r}"):
            if name not in ANSWER_FIELDS:
                raise ContentError(
                    f"{_node_location(path, value, root)}: unknown field {name!r} "
                    f"(expected: {', '.join(sorted(ANSWER_FIELDS))})"
                )
            if not isinstance(value, yaml.ScalarNode):
                raise ContentError(f"{_node_location(path, value, root)}: {name} must be text")
            fields[name] = value.value.strip()
            lines[name] = _node_location(path, value, root)
        problems = answer_problems(
            topic_id, topic.settings, fields.get("title", ""), fields.get("text", ""),
            fields.get("more"), allow_too_long=True,
        )  # fmt: skip
        if problems:
            raise ContentError(f"{lines.get(problems[0].field, location)}: {problems[0].message}")
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
    return answers, _family_title(family, language, title_nodes, path, root)


def _family_title(
    family: str, language: str, nodes: dict[str, yaml.Node], path: Path, root: Path
) -> FamilyTitleEntry | None:
    if FAMILY_TITLE_KEY not in nodes:
        if FAMILY_TITLE_SOURCE_KEY in nodes:
            raise ContentError(
                f"{_node_location(path, nodes[FAMILY_TITLE_SOURCE_KEY], root)}: "
                f"{FAMILY_TITLE_SOURCE_KEY} without a {FAMILY_TITLE_KEY}"
            )
        return None
    node = nodes[FAMILY_TITLE_KEY]
    location = _node_location(path, node, root)
    if not (isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG and node.value.strip()):
        raise ContentError(f"{location}: {FAMILY_TITLE_KEY} must be a non-empty text")
    title = node.value.strip()
    if len(title) > MAX_FAMILY_TITLE_CHARS:
        raise ContentError(
            f"{location}: {FAMILY_TITLE_KEY} has {len(title)} characters "
            f"(at most {MAX_FAMILY_TITLE_CHARS})"
        )
    source = None
    if FAMILY_TITLE_SOURCE_KEY in nodes:
        source_node = nodes[FAMILY_TITLE_SOURCE_KEY]
        if not isinstance(source_node, yaml.ScalarNode):
            raise ContentError(
                f"{_node_location(path, source_node, root)}: {FAMILY_TITLE_SOURCE_KEY} must be text"
            )
        source = source_node.value.strip() or None
    return FamilyTitleEntry(family, language, title, source, location)


def answer_files(root: Path = CONTENT_DIR) -> list[Path]:
    return sorted(path for path in root.glob("*/*.yml") if path.is_file())


def load_content(root: Path = CONTENT_DIR) -> Content:
    """All families, topics, answers and family titles, or a ContentError naming the first
    broken file and line."""
    families, topics = _read_catalogue(root)
    answers: list[AnswerEntry] = []
    titles: list[FamilyTitleEntry] = []
    for path in answer_files(root):
        file_answers, title = load_family_file(path, topics, root, families)
        answers.extend(file_answers)
        if title is not None:
            titles.append(title)
    if not any(answer.language == DEFAULT_LANGUAGE for answer in answers):
        raise ContentError(f"{_relative(root, root)}: no English answers: English is the fallback")
    english = {title.family for title in titles if title.language == DEFAULT_LANGUAGE}
    for family in families.values():
        if family.in_menu and family.id not in english:
            path = root / family.id / f"{DEFAULT_LANGUAGE}.yml"
            line = ":1" if path.is_file() else ""
            raise ContentError(
                f"{_relative(path, root)}{line}: family {family.id!r} is shown in the menu, "
                f"so it needs a `{FAMILY_TITLE_KEY}:` in English (the fallback of every language)"
            )
    return Content(topics=topics, answers=answers, families=families, family_titles=titles)
