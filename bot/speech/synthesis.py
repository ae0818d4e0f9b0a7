"""Text to OGG/Opus with eSpeak NG.

eSpeak NG comes as a library inside the `espeakng-loader` wheel (its voices and
dictionaries included), so nothing is installed beside the virtual environment and nothing
is fetched at run time. It keeps global state, so one text is synthesised at a time (a
lock, and `bot.speech.service` calls it from a single worker thread). Opus takes 8, 12,
16, 24 or 48 kHz; eSpeak speaks at 22,050 Hz, so the samples are resampled to 24 kHz.
"""

from __future__ import annotations

import ctypes
import io
import threading
from dataclasses import dataclass
from functools import lru_cache

import espeakng_loader
import numpy as np
import soundfile
from scipy.signal import resample_poly

from bot.speech.voices import voice_for

OPUS_RATE = 24_000
_SYNCHRONOUS = 2  # AUDIO_OUTPUT_SYNCHRONOUS: samples come to our callback
_DONT_EXIT = 0x8000  # espeakINITIALIZE_DONT_EXIT: report errors, never exit the process
_CHARS_UTF8 = 1
_RATE_PARAMETER = 1  # espeakRATE, words per minute
_PEAK = 0.89  # about -1 dBFS, so every language is about as loud
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class SpeechFailed(RuntimeError):
    """eSpeak NG could not speak the text (no voice, or nothing to say)."""


@dataclass(frozen=True)
class Audio:
    ogg_opus: bytes
    seconds: float


class _Espeak:
    def __init__(self) -> None:
        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self._lib.espeak_Info.restype = ctypes.c_char_p
        data = espeakng_loader.get_data_path().encode()
        self.sample_rate = self._lib.espeak_Initialize(_SYNCHRONOUS, 0, data, _DONT_EXIT)
        if self.sample_rate <= 0:
            raise SpeechFailed("eSpeak NG did not start")
        self.version = (self._lib.espeak_Info(None) or b"?").decode()
        self._chunks: list[np.ndarray] = []
        self._callback = _CALLBACK(self._collect)  # kept: the library holds its address
        self._lib.espeak_SetSynthCallback(self._callback)
        self._lock = threading.Lock()

    def _collect(self, samples, count, _events) -> int:  # noqa: ANN001 - a C callback
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        return 0

    def speak(self, text: str, voice: str, words_per_minute: int) -> np.ndarray:
        """16-bit samples at `sample_rate`."""
        with self._lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise SpeechFailed(f"eSpeak NG has no voice {voice!r}")
            self._lib.espeak_SetParameter(_RATE_PARAMETER, words_per_minute, 0)
            self._chunks = []
            encoded = text.encode("utf-8")
            self._lib.espeak_Synth(encoded, len(encoded) + 1, 0, 0, 0, _CHARS_UTF8, None, None)
            self._lib.espeak_Synchronize()
            chunks, self._chunks = self._chunks, []
        if not chunks:
            raise SpeechFailed("eSpeak NG said nothing")
        return np.concatenate(chunks)


@lru_cache(maxsize=1)
def _espeak() -> _Espeak:
    return _Espeak()


def engine_version() -> str:
    """Part of every cache key: a new eSpeak NG makes new speech."""
    return f"espeak-ng {_espeak().version}"


def encode_ogg_opus(samples: np.ndarray, sample_rate: int) -> Audio:
    """Mono OGG/Opus at 24 kHz, as Telegram's voice messages and every browser play it."""
    audio = samples.astype(np.float32) / 32768.0
    if sample_rate != OPUS_RATE:
        divisor = np.gcd(OPUS_RATE, sample_rate)
        audio = resample_poly(audio, OPUS_RATE // divisor, sample_rate // divisor)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0:
        audio = audio * (_PEAK / peak)
    buffer = io.BytesIO()
    soundfile.write(buffer, audio, OPUS_RATE, format="OGG", subtype="OPUS")
    return Audio(buffer.getvalue(), len(audio) / OPUS_RATE)


def synthesize(text: str, language: str) -> Audio:
    """The speech of `text` (already made speakable) in `language`."""
    voice = voice_for(language)
    if not text.strip():
        raise SpeechFailed("nothing to say")
    engine = _espeak()
    samples = engine.speak(text, voice.name, voice.words_per_minute)
    return encode_ogg_opus(samples, engine.sample_rate)
