"""`make bench-load`: DigiBridge against the stock `rasa init` bot under the same load.

Starts, one after the other, stock Rasa (the `rasa init` bot, trained in a temporary folder
with its default config, served by `rasa run` with the REST channel and its default
in-memory stores), DigiBridge in its default shape (`digibridge up --no-train`, SQLite) and
in its production shape (PostgreSQL tracker and content, Redis lock store and locks), and
drives each with the same closed-loop load: 1, 8 and 32 users, each its own conversation
(of 20 messages, then a new person's: otherwise the faster system would be measured on
longer conversations), sending the citizen questions of benchmarks/nlu/citizen/ (all
languages, cycled) and waiting for each reply. Per system and level: messages/s,
p50/p95/p99, errors and the peak memory of all its processes together; then one
conversation of 250 messages, to compare the 200th message with the 5th. Writes
benchmarks/results/load.json (raw), load.md (ratios to stock Rasa in the same run) and
load.png, and prints the tables.

`--soak SECONDS` instead runs 8 users for that long against each DigiBridge shape and
checks that memory and p95 at the end are within 10% of the first minute and that every
message was answered and stored (benchmarks/results/soak.json, soak.md); exit code 1 if not.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.load_report import chart, markdown, soak_markdown
from benchmarks.load_systems import System, init_stock_bot, running
from benchmarks.load_traffic import (
    citizen_messages,
    closed_loop,
    one_conversation,
    summarise,
    user_turns,
)
from bot import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
SYSTEMS = ("rasa", "default", "production")
WARMUP_USERS = 4
SOAK_TOLERANCE = 0.10  # memory and p95 at the end may exceed the first minute's by 10%


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _git() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + (
        " (modified)" if git("status", "--porcelain") else ""
    )


def _warm_up(system: System, seconds: float, messages: list[str], turns: int) -> None:
    """Unmeasured traffic first: model graphs traced, caches and connection pools filled."""
    if seconds > 0:
        print(f"{system.title}: warm-up {seconds:g} s", flush=True)
        asyncio.run(
            closed_loop(
                system.chat_url, system.digibridge, WARMUP_USERS, seconds, messages, turns=turns
            )
        )


def _median(values: list[float | None]) -> float | None:
    answered = [v for v in values if v is not None]
    return round(statistics.median(answered), 1) if answered else None


def conversation_length(system: System, count: int, messages: list[str]) -> dict:
    """Median reply time of messages 1-10 against 191-210 (or the last 20) of one
    conversation: is the 200th message as fast as the 5th?"""
    outcomes = asyncio.run(one_conversation(system.chat_url, system.digibridge, count, messages))
    ms = [round(o.ms, 1) if o.error is None else None for o in outcomes]
    early = (1, min(10, count))
    late = (191, 210) if count >= 210 else (max(1, count - 19), count)
    return {
        "messages": count,
        "errors": sum(o.error is not None for o in outcomes),
        "early": early,
        "late": late,
        "early_median_ms": _median(ms[early[0] - 1 : early[1]]),
        "late_median_ms": _median(ms[late[0] - 1 : late[1]]),
        "latencies_ms": ms,
    }


def measure(system: System, args: argparse.Namespace, messages: list[str]) -> dict:
    assert system.sampler is not None
    result: dict = {"title": system.title, "notes": system.notes, "load_before": _load()}
    _warm_up(system, args.warmup, messages, args.turns)
    result["levels"] = {}
    for users in args.levels:
        run = asyncio.run(
            closed_loop(
                system.chat_url,
                system.digibridge,
                users,
                args.seconds,
                messages,
                args.ramp,
                args.turns,
            )
        )
        measured = run.measured()
        level = summarise(measured, args.seconds)
        level["peak_mb"] = system.sampler.peak_mb(run.began, run.ended)
        level["processes"] = system.sampler.processes(run.began, run.ended)
        level["latencies_ms"] = [round(o.ms) for o in measured if o.error is None]
        result["levels"][str(users)] = level
        print(
            f"{system.title}: {users} users: {level['messages_per_second']:.1f} messages/s, "
            f"p50 {level['p50_ms']} ms, p95 {level['p95_ms']} ms, p99 {level['p99_ms']} ms, "
            f"{level['errors']} errors {level['errors_by_kind'] or ''}, "
            f"peak {level['peak_mb']:.0f} MB",
            flush=True,
        )
    if args.conversation:
        c = result["conversation"] = conversation_length(system, args.conversation, messages)
        print(
            f"{system.title}: one conversation of {c['messages']}: median "
            f"{c['early_median_ms']} ms (messages {c['early'][0]}-{c['early'][1]}), "
            f"{c['late_median_ms']} ms ({c['late'][0]}-{c['late'][1]}), {c['errors']} errors",
            flush=True,
        )
    result["peak_mb"] = system.sampler.peak_mb()
    result["load_after"] = _load()
    return result


def soak(system: System, args: argparse.Namespace, messages: list[str]) -> dict:
    """8 users for `args.soak` seconds: the end against the first minute, and nothing lost."""
    assert system.sampler is not None
    _warm_up(system, args.warmup, messages, args.turns)
    print(f"{system.title}: soak, {args.soak_users} users for {args.soak:g} s", flush=True)
    run = asyncio.run(
        closed_loop(
            system.chat_url,
            system.digibridge,
            args.soak_users,
            args.soak,
            messages,
            turns=args.turns,
        )
    )
    width = 60.0 if args.soak >= 180 else args.soak / 3
    windows = []
    start = run.began
    while start + width <= run.stop_at + 1e-6:
        window = summarise(run.measured(start, start + width), width)
        window.update(
            from_s=round(start - run.began),
            to_s=round(start + width - run.began),
            peak_mb=system.sampler.peak_mb(start, start + width),
        )
        windows.append(window)
        start += width
    sent = Counter(o.sender for o in run.outcomes)
    counts = asyncio.run(user_turns(system.base_url, system.digibridge, run.senders))
    stored = dict(zip(run.senders, counts, strict=True))
    answered = sum(o.error is None for o in run.outcomes)
    first, last = windows[0], windows[-1]
    failures = []
    if last["p95_ms"] > first["p95_ms"] * (1 + SOAK_TOLERANCE):
        failures.append(
            f"p95 {first['p95_ms']} ms in the first window, {last['p95_ms']} at the end"
        )
    if last["peak_mb"] > first["peak_mb"] * (1 + SOAK_TOLERANCE):
        failures.append(f"memory {first['peak_mb']} MB first, {last['peak_mb']} MB at the end")
    if answered < len(run.outcomes):
        failures.append(f"{len(run.outcomes) - answered} of {len(run.outcomes)} messages failed")
    if lost := {s: (n, stored.get(s, 0)) for s, n in sent.items() if stored.get(s, 0) != n}:
        failures.append(f"{len(lost)} conversations store another number of messages than sent")
    result = {
        "title": system.title,
        "notes": system.notes,
        "windows": windows,
        "sent": len(run.outcomes),
        "answered": answered,
        "stored": sum(stored.values()),
        "first_p95_ms": first["p95_ms"],
        "last_p95_ms": last["p95_ms"],
        "first_peak_mb": first["peak_mb"],
        "last_peak_mb": last["peak_mb"],
        "failures": failures,
        "passed": not failures,
    }
    print(f"{system.title}: {'passed' if not failures else 'FAILED: ' + '; '.join(failures)}")
    return result


def _dump(results: dict) -> str:
    """Indented JSON with every list of numbers on one line (the latencies are long)."""
    text = json.dumps(results, indent=1)
    return re.sub(r"\[[\d.,\snul-]*\]", lambda m: re.sub(r"\s+", "", m.group()), text)


def _levels(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _systems(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    if unknown := set(chosen) - set(SYSTEMS):
        raise argparse.ArgumentTypeError(f"unknown systems {sorted(unknown)}; known: {SYSTEMS}")
    return chosen


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up as Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds per level")
    parser.add_argument("--levels", type=_levels, default=[1, 8, 32], help="users, e.g. 1,8,32")
    parser.add_argument("--ramp", type=float, default=2, help="unmeasured seconds per level")
    parser.add_argument("--warmup", type=float, default=10, help="seconds per system, unmeasured")
    parser.add_argument("--conversation", type=int, default=250, help="messages (0: skip)")
    parser.add_argument(
        "--turns", type=int, default=20, help="messages per user's conversation (0: endless)"
    )
    parser.add_argument("--systems", type=_systems, help=f"some of {','.join(SYSTEMS)}")
    parser.add_argument("--stock-bot", type=Path, help="reuse (or keep) the `rasa init` bot here")
    parser.add_argument("--soak", type=float, help="soak for this many seconds instead")
    parser.add_argument("--soak-users", type=int, default=8)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write results")
    args = parser.parse_args(argv)
    systems = args.systems or (["default", "production"] if args.soak else list(SYSTEMS))
    signal.signal(signal.SIGTERM, _terminate)
    messages = citizen_messages()
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "git": _git(),
        "cores": os.cpu_count(),
        "load_before": _load(),
        "messages": len(messages),
        "warmup": args.warmup,
        "turns": args.turns,
    }
    measured: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        workdir = Path(tmp)
        stock_bot = None
        if "rasa" in systems:
            stock_bot = init_stock_bot((args.stock_bot or workdir / "stock").resolve())
        for key in systems:
            (workdir / key).mkdir()
            began = time.monotonic()
            with running(key, workdir / key, stock_bot) as system:
                print(f"{system.title}: ready in {time.monotonic() - began:.0f} s", flush=True)
                run = soak if args.soak else measure
                measured[key] = {"startup_seconds": round(time.monotonic() - began, 1)}
                measured[key].update(run(system, args, messages))
    meta["load_after"] = _load()
    meta["notes"] = list(dict.fromkeys(note for s in measured.values() for note in s["notes"]))
    args.results.mkdir(parents=True, exist_ok=True)
    if args.soak:
        meta.update(seconds=args.soak, users=args.soak_users)
        results = {"meta": meta, "systems": measured}
        (args.results / "soak.json").write_text(_dump(results), encoding="utf-8")
        text = soak_markdown(results)
        (args.results / "soak.md").write_text(text + "\n", encoding="utf-8")
        print(text)
        return 0 if all(s["passed"] for s in measured.values()) else 1
    meta.update(
        seconds=args.seconds, ramp=args.ramp, levels=args.levels, conversation=args.conversation
    )
    results = {"meta": meta, "systems": measured}
    (args.results / "load.json").write_text(_dump(results), encoding="utf-8")
    text = markdown(results)
    (args.results / "load.md").write_text(text + "\n", encoding="utf-8")
    chart(results, args.results / "load.png")
    print(text)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: the systems were stopped, their data removed", file=sys.stderr)
        sys.exit(130)
