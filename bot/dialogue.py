"""The Rasa domain and rules, derived from the content catalogue at training time.

The catalogue is the one list of topics. `domain.yml` and `data/rules.yml` hold only what
is not a topic (slots, actions, the intents with their own action); every topic becomes an
intent with a rule answering it when the project is built for training. Buttons name a
topic through the one generic intent `answer` (`/answer{"topic": "..."}`), so a topic added
to the content is reachable from the menu at once, before any model knows its phrases.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from bot import PROJECT_ROOT
from bot.content.files import CONTENT_DIR, load_catalogue

DOMAIN_FILE = "domain.yml"
RULES_FILE = "data/rules.yml"
ANSWER_INTENT = "answer"
ANSWER_ACTION = "action_answer_topic"


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def ruled_intents(rules: dict[str, Any]) -> set[str]:
    """Intents that a hand-written rule already answers."""
    return {
        step["intent"]
        for rule in rules.get("rules") or []
        for step in rule.get("steps") or []
        if "intent" in step
    }


def build_domain(root: Path = PROJECT_ROOT, content: Path = CONTENT_DIR) -> dict[str, Any]:
    domain = _load(root / DOMAIN_FILE)
    intents = list(domain.get("intents") or [])
    intents += [topic for topic in load_catalogue(content) if topic not in intents]
    domain["intents"] = intents
    return domain


def build_topic_rules(root: Path = PROJECT_ROOT, content: Path = CONTENT_DIR) -> dict[str, Any]:
    """One rule per topic that has no hand-written rule: the topic's intent → its answer."""
    taken = ruled_intents(_load(root / RULES_FILE))
    rules = [
        {"rule": f"answer {topic}", "steps": [{"intent": topic}, {"action": ANSWER_ACTION}]}
        for topic in load_catalogue(content)
        if topic not in taken
    ]
    return {"version": "3.1", "rules": rules}


def write_project(target: Path, root: Path = PROJECT_ROOT, content: Path = CONTENT_DIR) -> None:
    """Writes the built `domain.yml` and `topic_rules.yml` into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name, document in (
        ("domain.yml", build_domain(root, content)),
        ("topic_rules.yml", build_topic_rules(root, content)),
    ):
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        path = target / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)  # another process may be reading it


def payload_intents(root: Path = PROJECT_ROOT, content: Path = CONTENT_DIR) -> frozenset[str]:
    """Intents a button payload may name."""
    return frozenset(build_domain(root, content)["intents"])


def answer_payload(topic_id: str) -> str:
    """The button payload that answers a topic, whatever the model knows."""
    return f"/{ANSWER_INTENT}{json.dumps({'topic': topic_id})}"
