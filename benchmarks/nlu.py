"""`make bench-nlu`: how well DigiBridge understands its own subject, per language.

1. Held-out tests: the model trained on all of data/nlu/ answers two sets never trained on,
   benchmarks/nlu/heldout/ (by the training data's authors) and benchmarks/nlu/citizen/
   (written independently, the way citizens ask): per language the right answers, "Did you
   mean…?" and wrong answers, macro-F1, how often the reply language is the question's
   own, out-of-scope precision and recall, and the most frequent mix-ups.
2. Threshold tuning: a model trained on 80% of data/nlu/ scores the other 20% for every
   FallbackClassifier threshold; the best is the one config.yml should carry.
3. Training time and peak memory of the full eight-language model (`rasa train`).

Writes benchmarks/results/nlu.json and prints Markdown tables for the README.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from benchmarks.rasa_eval import (
    Prediction,
    accuracy_and_macro_f1,
    predict,
    run_measured,
    train_nlu,
)
from bot import PROJECT_ROOT
from bot.i18n.detect import Vocabulary
from bot.i18n.locales import SUPPORTED_LANGUAGES
from bot.i18n.reply_language import decide_reply_language
from bot.training import train_command
from bot.training_data import read_examples

CONFIG = PROJECT_ROOT / "config.yml"
RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "nlu.json"
THRESHOLDS = [0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5]
AMBIGUITY = [0.0, 0.02, 0.05, 0.1]
FALLBACK = "nlu_fallback"


def load_examples(folder: Path) -> list[tuple[str, str, str]]:
    """(text, intent, language) of every example in `folder/<lang>.yml`."""
    return [
        (text, intent, language)
        for language in SUPPORTED_LANGUAGES
        for intent, texts in read_examples(folder / f"{language}.yml").items()
        for text in texts
    ]


def config_thresholds() -> tuple[float, float]:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    return float(fallback["threshold"]), float(fallback["ambiguity_threshold"])


def decided(prediction: Prediction, threshold: float, ambiguity: float) -> str:
    """What the FallbackClassifier turns a prediction into."""
    if prediction.confidence < threshold or prediction.margin < ambiguity:
        return FALLBACK
    return prediction.intent


HELD_OUT_SETS = {
    # Written by the authors of the training data, separately from it.
    "held_out": PROJECT_ROOT / "benchmarks" / "nlu" / "heldout",
    # Written independently of the training data, the way citizens ask: situations told
    # instead of topics named, measures asked with the forum's name, everyday questions
    # outside the subject, colloquial and mixed-language messages.
    "citizen": PROJECT_ROOT / "benchmarks" / "nlu" / "citizen",
}
CONFUSIONS_SHOWN = 15


def score(
    test: list[tuple[str, str, str]],
    predictions: list[Prediction],
    thresholds: tuple[float, float],
    vocabulary: Vocabulary,
) -> dict:
    """What users of each language meet: right answers, "Did you mean…?", wrong answers,
    and the most frequent mix-ups."""
    per_language = {}
    mixups: Counter[tuple[str, str]] = Counter()
    for language in SUPPORTED_LANGUAGES:
        rows = [
            (g, p, t) for (t, g, lang), p in zip(test, predictions, strict=True) if lang == language
        ]
        gold = [g for g, _, _ in rows]
        final = [decided(p, *thresholds) for _, p, _ in rows]
        mixups.update((g, f) for g, f in zip(gold, final, strict=True) if f != g)
        accuracy, macro_f1 = accuracy_and_macro_f1(gold, final)
        top_accuracy, _ = accuracy_and_macro_f1(gold, [p.intent for _, p, _ in rows])
        language_match = sum(
            decide_reply_language(preference=None, text=t, vocabulary=vocabulary) == language
            for _, _, t in rows
        )
        per_language[language] = {
            "examples": len(rows),
            "accuracy": accuracy,
            "macro_f1": macro_f1,
            "top_intent_accuracy": top_accuracy,
            "clarified": final.count(FALLBACK) / len(rows),
            "wrong": sum(f not in (g, FALLBACK) for g, f in zip(gold, final, strict=True))
            / len(rows),
            "reply_language_match": language_match / len(rows),
        }
    final_all = [decided(p, *thresholds) for p in predictions]
    gold_all = [g for _, g, _ in test]
    oos_predicted = sum(f == "out_of_scope" for f in final_all)
    oos_gold = sum(g == "out_of_scope" for g in gold_all)
    oos_hits = sum(f == g == "out_of_scope" for f, g in zip(final_all, gold_all, strict=True))
    return {
        "per_language": per_language,
        "out_of_scope": {
            "precision": oos_hits / oos_predicted if oos_predicted else 0.0,
            "recall": oos_hits / oos_gold if oos_gold else 0.0,
        },
        "confusions": [
            {"expected": g, "answered": f, "count": n}
            for (g, f), n in mixups.most_common(CONFUSIONS_SHOWN)
        ],
    }


def held_out(workdir: Path) -> dict:
    """The model trained on all of data/nlu/, on each held-out set."""
    train = load_examples(PROJECT_ROOT / "data" / "nlu")
    run = train_nlu(CONFIG, [(t, i) for t, i, _ in train], workdir / "full")
    thresholds = config_thresholds()
    vocabulary = Vocabulary.from_nlu_dir(PROJECT_ROOT / "data" / "nlu")
    results: dict = {
        "threshold": thresholds[0],
        "ambiguity_threshold": thresholds[1],
        "nlu_training_seconds": run.seconds,
        "nlu_training_peak_mb": run.peak_rss_mb,
        "training_examples": len(train),
    }
    for name, folder in HELD_OUT_SETS.items():
        test = load_examples(folder)
        predictions = predict(run.model, [t for t, _, _ in test])
        results[name] = score(test, predictions, thresholds, vocabulary)
    return results


def tune(workdir: Path, seed: int = 13) -> dict:
    """Scores every threshold pair on a 20% split of the training data."""
    examples = load_examples(PROJECT_ROOT / "data" / "nlu")
    groups: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for example in examples:
        groups[(example[1], example[2])].append(example)
    rng = random.Random(seed)  # noqa: S311 - a reproducible split, not a secret
    train, dev = [], []
    for group in groups.values():
        rng.shuffle(group)
        cut = max(1, len(group) // 5)
        dev += group[:cut]
        train += group[cut:]
    run = train_nlu(CONFIG, [(t, i) for t, i, _ in train], workdir / "tune")
    predictions = predict(run.model, [t for t, _, _ in dev])
    # A right answer is worth 1, a "Did you mean…?" whose buttons hold the right topic 0.5
    # (one more tap), a wrong answer -1 (the user is misled).
    table = []
    for threshold in THRESHOLDS:
        for ambiguity in AMBIGUITY:
            right = asked = wrong = 0
            for (_, gold, _), prediction in zip(dev, predictions, strict=False):
                final = decided(prediction, threshold, ambiguity)
                if final == FALLBACK:
                    asked += 1
                elif final == gold:
                    right += 1
                else:
                    wrong += 1
            n = len(dev)
            table.append(
                {
                    "threshold": threshold,
                    "ambiguity_threshold": ambiguity,
                    "right": right / n,
                    "asked": asked / n,
                    "wrong": wrong / n,
                    "utility": (right + 0.5 * asked - wrong) / n,
                }
            )
    best = max(table, key=lambda row: row["utility"])
    return {"dev_examples": len(dev), "table": table, "best": best}


def full_training() -> dict:
    """Wall time and peak memory of `rasa train` for the whole eight-language model."""
    with tempfile.TemporaryDirectory() as out:
        # --force: Rasa would otherwise reuse components cached by earlier trainings.
        seconds, peak_mb = run_measured([*train_command(Path(out), "measured"), "--force"])
    return {"seconds": seconds, "peak_mb": peak_mb}


def markdown(results: dict) -> str:
    lines = []
    for name in HELD_OUT_SETS:
        scored = results["held_out"][name]
        lines += [
            f"**{name}** ({sum(r['examples'] for r in scored['per_language'].values())} questions)",
            "",
            "| language | top intent | macro-F1 | right | asked back | wrong | reply language |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for language, row in scored["per_language"].items():
            lines.append(
                f"| {language} | {row['top_intent_accuracy']:.1%} | {row['macro_f1']:.3f} | "
                f"{row['accuracy']:.1%} | {row['clarified']:.1%} | {row['wrong']:.1%} | "
                f"{row['reply_language_match']:.1%} |"
            )
        oos = scored["out_of_scope"]
        lines += [
            "",
            f"Out of scope: precision {oos['precision']:.3f}, recall {oos['recall']:.3f}. "
            "Most frequent mix-ups (expected → answered): "
            + ", ".join(
                f"{c['expected']} → {c['answered']} ({c['count']})"
                for c in scored["confusions"][:8]
            ),
            "",
        ]
    if "tuning" in results:
        best = results["tuning"]["best"]
        lines.append(
            f"Best thresholds on the tuning split: threshold {best['threshold']}, ambiguity "
            f"{best['ambiguity_threshold']} (right {best['right']:.1%}, asked {best['asked']:.1%}, "
            f"wrong {best['wrong']:.1%})."
        )
    if "full_training" in results:
        full = results["full_training"]
        lines.append(
            f"Full model training: {full['seconds']:.0f} s wall, peak {full['peak_mb']:.0f} MB."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-tuning", action="store_true")
    parser.add_argument("--skip-full-training", action="store_true")
    args = parser.parse_args(argv)
    # Sections not measured in this run are kept from the previous one.
    results: dict = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if not args.skip_tuning:
            results["tuning"] = tune(workdir)
        results["held_out"] = held_out(workdir)
    if not args.skip_full_training:
        results["full_training"] = full_training()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
