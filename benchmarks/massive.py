"""`make bench-massive`: our pipeline against Rasa's default on the public MASSIVE subset.

Ours is trained once on all eight languages together (as DigiBridge runs); Rasa's default
pipeline (`benchmarks/configs/rasa_default.yml`, what `rasa init` gives) is trained once per
language, as it was meant to be used. Both are tested on each language's 1,000 test
utterances; accuracy is the top intent, without fallback, as in the MASSIVE paper.
Writes benchmarks/results/massive.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.rasa_eval import accuracy_and_macro_f1, predict, train_nlu
from bot import PROJECT_ROOT
from bot.i18n.locales import SUPPORTED_LANGUAGES

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "benchmarks" / "massive"
OURS = PROJECT_ROOT / "config.yml"
RASA_DEFAULT = PROJECT_ROOT / "benchmarks" / "configs" / "rasa_default.yml"
RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "massive.json"


def read_jsonl(path: Path) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(row["text"], row["intent"]) for row in rows]


def evaluate(model: Path, test: list[tuple[str, str]]) -> dict:
    predictions = predict(model, [text for text, _ in test])
    accuracy, macro_f1 = accuracy_and_macro_f1(
        [intent for _, intent in test], [p.intent for p in predictions]
    )
    return {"accuracy": accuracy, "macro_f1": macro_f1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("MASSIVE_DIR", DEFAULT_DATA))
    )
    parser.add_argument("--languages", nargs="*", default=list(SUPPORTED_LANGUAGES))
    parser.add_argument("--skip-default", action="store_true", help="only our pipeline")
    args = parser.parse_args(argv)
    if not (args.data / "en" / "train.jsonl").is_file():
        print(f"MASSIVE subset not found in {args.data} (set MASSIVE_DIR)", file=sys.stderr)
        return 2
    train = {lang: read_jsonl(args.data / lang / "train.jsonl") for lang in args.languages}
    test = {lang: read_jsonl(args.data / lang / "test.jsonl") for lang in args.languages}
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run = train_nlu(OURS, [ex for lang in args.languages for ex in train[lang]], work / "ours")
        results["ours_training"] = {"seconds": run.seconds, "peak_mb": run.peak_rss_mb}
        for lang in args.languages:
            results.setdefault(lang, {})["ours"] = evaluate(run.model, test[lang])
            print(lang, "ours", results[lang]["ours"], flush=True)
        if not args.skip_default:
            for lang in args.languages:
                run = train_nlu(RASA_DEFAULT, train[lang], work / f"default-{lang}")
                results[lang]["rasa_default"] = {
                    **evaluate(run.model, test[lang]),
                    "training_seconds": run.seconds,
                }
                print(lang, "rasa default", results[lang]["rasa_default"], flush=True)
                RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(markdown(results))
    return 0


def _percent(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else "not run"


def markdown(results: dict) -> str:
    lines = [
        "| language | ours (one model, 8 languages) | Rasa default (one model per language) |",
        "|---|---:|---:|",
    ]
    for lang in SUPPORTED_LANGUAGES:
        if lang not in results:
            continue
        ours = results[lang].get("ours", {}).get("accuracy")
        default = results[lang].get("rasa_default", {}).get("accuracy")
        lines.append(f"| {lang} | {_percent(ours)} | {_percent(default)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
