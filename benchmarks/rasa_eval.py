"""Training a Rasa NLU model on given examples and predicting with it, for the benchmarks."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import PROJECT_ROOT
from bot.training import rasa_environment


@dataclass(frozen=True)
class Prediction:
    intent: str  # the top intent before any fallback
    confidence: float
    margin: float  # over the second intent


@dataclass(frozen=True)
class TrainingRun:
    model: Path
    seconds: float
    peak_rss_mb: float


def write_nlu(examples: list[tuple[str, str]], path: Path) -> Path:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in examples:
        by_intent[intent].append(text)
    blocks = [
        {"intent": intent, "examples": "".join(f"- {_one_line(t)}\n" for t in texts)}
        for intent, texts in by_intent.items()
    ]
    path.write_text(
        yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def _one_line(text: str) -> str:
    return " ".join(text.split())


def run_measured(command: list[str]) -> tuple[float, float]:
    """Runs a command from the project root; its wall time (s) and peak memory (MB)."""
    start = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "PEAK_KB=%M", *command],
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(
            f"{command[3:5]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
    peak_kb = max(int(m) for m in re.findall(r"PEAK_KB=(\d+)", result.stderr))
    return seconds, peak_kb / 1024


def train_nlu(config: Path, examples: list[tuple[str, str]], out_dir: Path) -> TrainingRun:
    """`rasa train nlu` in a child process, timed, with its peak memory."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = write_nlu(examples, Path(tmp) / "nlu.yml")
        seconds, peak_mb = run_measured(
            [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config),
             "--nlu", str(data), "--out", str(out_dir), "--fixed-model-name", "model"]
        )  # fmt: skip
    return TrainingRun(out_dir / "model.tar.gz", seconds, peak_mb)


def predict(model: Path, texts: list[str]) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def run() -> list[Prediction]:
        predictions = []
        for text in texts:
            parsed = await agent.parse_message(text)
            ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
            if not ranking:
                predictions.append(Prediction("", 0.0, 0.0))
                continue
            top = ranking[0]
            second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
            predictions.append(
                Prediction(top["name"], top["confidence"], top["confidence"] - second)
            )
        return predictions

    return asyncio.run(run())


def accuracy_and_macro_f1(gold: list[str], predicted: list[str]) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(gold))
    return (
        float(accuracy_score(gold, predicted)),
        float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
    )
