"""The training examples of `data/nlu/<lang>.yml`, read and written in the one shape Rasa
and the repository use (so that an export of phrases added in the interface is a clean
diff)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot import PROJECT_ROOT

NLU_DIR = PROJECT_ROOT / "data" / "nlu"


def read_examples(path: Path) -> dict[str, list[str]]:
    """{intent: [example, ...]} in file order."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples: dict[str, list[str]] = {}
    for block in document.get("nlu") or []:
        lines = str(block.get("examples", "")).splitlines()
        texts = [line.strip().removeprefix("- ") for line in lines if line.strip()]
        examples.setdefault(str(block["intent"]), []).extend(texts)
    return examples


def write_examples(path: Path, examples: dict[str, list[str]]) -> None:
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in examples.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
