"""`make bench-speech`: what a spoken answer costs, per language, and what the cache saves.

Every answer of the shipped content (its main text, as shown with no local settings) is
spoken once into an empty cache, then asked for again. Reports synthesis time per 100
characters of text (eSpeak NG plus the Opus encoder, on one thread), the audio it makes,
its size, and the time of a cache hit. Writes benchmarks/results/speech.json and prints a
Markdown table for the README.
"""

from __future__ import annotations

import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot import PROJECT_ROOT
from bot.admin.local_settings import LocalSettingsStore
from bot.content.store import ContentStore
from bot.content.sync import sync_content
from bot.conversation.replies import answer_topic
from bot.db.engine import create_database_engine
from bot.db.migrate import upgrade
from bot.i18n.locales import SUPPORTED_LANGUAGES
from bot.speech.answers import AnswerSpeech
from bot.speech.cache import SpeechCache
from bot.speech.service import ENGINE, SpeechService

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "speech.json"


async def measure(folder: Path) -> dict:
    engine = create_database_engine(f"sqlite:///{folder / 'content.sqlite3'}")
    upgrade(engine, load_content=False)
    sync_content(engine)
    store = ContentStore(engine)
    cache = SpeechCache(folder / "speech", 1024**3)
    speech = AnswerSpeech(store, LocalSettingsStore(engine, {}), SpeechService(cache))
    topics = [t for family in store.families() for t in store.family_topics(family)]
    per_language = {}
    try:
        for language in SUPPORTED_LANGUAGES:
            made, hits, chars, seconds, size = [], [], 0, 0.0, 0
            for topic in topics:
                reply = answer_topic(store, topic, language, {})
                if reply is None or reply.language != language:
                    continue
                started = time.perf_counter()
                spoken = await speech.speech(topic, language)
                elapsed = time.perf_counter() - started
                assert spoken is not None and not spoken.cached
                started = time.perf_counter()
                again = await speech.speech(topic, language)
                hits.append(time.perf_counter() - started)
                assert again is not None and again.cached
                made.append(elapsed / len(reply.text) * 100)
                chars += len(reply.text)
                seconds += spoken.seconds
                size += len(spoken.ogg_opus)
            per_language[language] = {
                "answers": len(made),
                "synthesis_ms_per_100_chars": round(statistics.median(made) * 1000, 1),
                "synthesis_ms_per_100_chars_p95": round(
                    statistics.quantiles(made, n=20)[-1] * 1000, 1
                ),
                "audio_seconds_per_100_chars": round(seconds / chars * 100, 2),
                "kilobytes_per_audio_minute": round(size / 1024 / seconds * 60, 1),
                "cache_hit_ms_median": round(statistics.median(hits) * 1000, 2),
            }
            print(language, per_language[language], file=sys.stderr)
    finally:
        speech.close()
        engine.dispose()
    return {
        "engine": ENGINE,
        "machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores",
        "languages": per_language,
    }


def table(results: dict) -> str:
    rows = [
        "| language | answers | synthesis per 100 chars (median / p95) | audio per 100 chars "
        "| size per audio minute | cache hit |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for language, r in results["languages"].items():
        rows.append(
            f"| {language} | {r['answers']} | {r['synthesis_ms_per_100_chars']:.0f} / "
            f"{r['synthesis_ms_per_100_chars_p95']:.0f} ms | "
            f"{r['audio_seconds_per_100_chars']:.1f} s | "
            f"{r['kilobytes_per_audio_minute']:.0f} KB | {r['cache_hit_ms_median']:.1f} ms |"
        )
    return "\n".join(rows)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="digibridge-speech-") as folder:
        results = asyncio.run(measure(Path(folder)))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
