"""What a listener would notice about a spoken answer, measured: a real OGG/Opus file that
decodes, lasts about as long as its text needs, and is speech, not silence."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import soundfile

# Characters spoken per second at our voices' pace (150 words a minute), loosely: Chinese
# characters are syllables; elsewhere letters.
CHARS_PER_SECOND = {"zh": (1.5, 8.0)}
DEFAULT_CHARS_PER_SECOND = (5.0, 30.0)


@dataclass(frozen=True)
class Heard:
    seconds: float
    rms_dbfs: float
    voiced_share: float  # of 50 ms frames louder than -40 dBFS


def heard(ogg_opus: bytes) -> Heard:
    assert ogg_opus[:4] == b"OggS" and b"OpusHead" in ogg_opus[:200], "not OGG/Opus"
    info = soundfile.info(io.BytesIO(ogg_opus))
    assert (info.format, info.subtype, info.channels) == ("OGG", "OPUS", 1), info
    samples, rate = soundfile.read(io.BytesIO(ogg_opus), dtype="float32")
    frame = rate // 20
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    levels = 20 * np.log10(np.sqrt((frames**2).mean(axis=1)) + 1e-9)
    rms = 20 * np.log10(float(np.sqrt((samples**2).mean())) + 1e-9)
    return Heard(len(samples) / rate, rms, float((levels > -40).mean()))


def assert_spoken(ogg_opus: bytes, text: str, language: str) -> Heard:
    """The speech of `text` in `language`: plausible length, and audible speech."""
    sound = heard(ogg_opus)
    slowest, fastest = CHARS_PER_SECOND.get(language, DEFAULT_CHARS_PER_SECOND)
    chars = len("".join(text.split()))
    assert chars / fastest <= sound.seconds <= chars / slowest + 2, (sound, chars)
    assert sound.rms_dbfs > -30, sound  # not silence, not a whisper
    assert sound.voiced_share > 0.5, sound  # speech most of the time, with pauses
    return sound
