"""`make bench-publish`: how long an editor waits between Publish and the answer, and what
the people chatting meanwhile notice.

Starts `digibridge up` on a copy of the serving model (as the tests do), adds a handful of
phrases in several languages through the admin API, publishes, and records when each stage
began, when the first phrase was understood, and the web chat's response times during the
publish (a message every 100 ms). Then the same publish from nothing (no vector cache, no
model to fine-tune) for comparison, unless --skip-cold. Writes
benchmarks/results/publish.json and prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bot import PROJECT_ROOT
from bot.training import ensure_model
from tests.integration.stack import session_id, start_stack

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "publish.json"
TOKEN = "bench-publish-token"  # noqa: S105 - the benchmark's own stack
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
PHRASES = [  # (topic, language, text): each asked back by the shipped model
    ("video_calls", "sw", "nataka kuongea na mwanangu ulaya tukionana usoni"),
    ("device_security", "sw", "nimesahau neno langu la siri la simu, nifanyeje"),
    ("video_calls", "ar", "كيف أرى حفيدي على الهاتف وهو بعيد"),
    ("video_calls", "es", "mi nieta vive en canadá y quiero verla por la pantalla del celular"),
    ("video_calls", "zh", "我孙子在国外，想在手机上看到他的脸"),
]


def _latencies(base_url: str, stop: threading.Event, out: list[float]) -> None:
    sender = session_id("bench-publish-traffic")
    while not stop.is_set():
        began = time.monotonic()
        response = requests.post(
            f"{base_url}/api/chat", timeout=30,
            json={"sender": sender, "message": "how do I make a strong password"},
        )  # fmt: skip
        out.append((time.monotonic() - began) * 1000 if response.status_code == 200 else -1.0)
        time.sleep(max(0.0, 0.1 - (time.monotonic() - began)))


def measure(model: Path, cold: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp) / "models"
        models.mkdir()
        shutil.copy(model, models / model.name)
        env = {"DIGIBRIDGE_ADMIN_TOKEN": TOKEN, "DIGIBRIDGE_MODELS_DIR": str(models),
               "DIGIBRIDGE_WEB_SESSION_RATE": "0", "DIGIBRIDGE_WEB_ADDRESS_RATE": "0"}  # fmt: skip
        stack = start_stack(Path(tmp) / "stack", env)
        try:
            if cold:
                # Nothing to reuse: no serving model to fine-tune from, no cached vectors.
                (models / model.name).unlink()
                shutil.rmtree(PROJECT_ROOT / ".rasa" / "vectors", ignore_errors=True)
            for topic, language, text in PHRASES:
                requests.post(
                    f"{stack.base_url}/admin/api/topics/{topic}/{language}/phrases",
                    headers=HEADERS, json={"text": text}, timeout=30,
                ).raise_for_status()  # fmt: skip
            stop, latencies = threading.Event(), []
            traffic = threading.Thread(target=_latencies, args=(stack.base_url, stop, latencies))
            traffic.start()
            began = time.monotonic()
            job = requests.post(
                f"{stack.base_url}/admin/api/publish", headers=HEADERS, timeout=30
            ).json()["job"]
            stages: dict[str, float] = {}
            while True:
                state = requests.get(
                    f"{stack.base_url}/admin/api/publish/{job}", headers=HEADERS, timeout=30
                ).json()
                stages.setdefault(state["state"], round(time.monotonic() - began, 1))
                if state["state"] in ("done", "failed"):
                    break
                time.sleep(0.25)
            # "done" means every Rasa server serves the new model: ask each phrase once.
            understood = []
            for topic, language, text in PHRASES:
                (answer, *_) = requests.post(
                    f"{stack.base_url}/api/chat", timeout=30,
                    json={"sender": session_id("bench-asker"), "message": text,
                          "language": language},
                ).json()["messages"]  # fmt: skip
                understood.append(answer["topic"] == topic)
            live = time.monotonic() - began
            stop.set()
            traffic.join()
        finally:
            stack.stop()
    ok = sorted(x for x in latencies if x >= 0)
    return {
        "result": state["state"],
        "message": state["message"],
        "stages_started_at_seconds": stages,
        "live_after_seconds": round(live, 1),
        "phrases_understood": f"{sum(understood)} of {len(understood)}",
        "messages_during_publish": len(latencies),
        "failed_messages": sum(x < 0 for x in latencies),
        "latency_ms": {
            "median": round(statistics.median(ok), 1),
            "p95": round(ok[int(len(ok) * 0.95) - 1], 1),
            "max": round(ok[-1], 1),
        },
    }


def markdown(results: dict) -> str:
    lines = ["| publish of 5 phrases | until live | checking starts | swapping starts | done "
             "| phrases understood | chat messages meanwhile (failed) | median / p95 / max reply |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for name, run in results.items():
        s = run["stages_started_at_seconds"]
        lat = run["latency_ms"]
        lines.append(
            f"| {name} | {run['live_after_seconds']:.0f} s | {s.get('checking', 0):.0f} s | "
            f"{s.get('swapping', 0):.0f} s | {s.get('done', s.get('failed', 0)):.0f} s | "
            f"{run['phrases_understood']} | "
            f"{run['messages_during_publish']} ({run['failed_messages']}) | "
            f"{lat['median']:.0f} / {lat['p95']:.0f} / {lat['max']:.0f} ms |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cold", action="store_true")
    args = parser.parse_args(argv)
    model = ensure_model(PROJECT_ROOT / "models")
    results = {"fine-tuned, vectors cached": measure(model, cold=False)}
    if not args.skip_cold:
        results["from nothing"] = measure(model, cold=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
