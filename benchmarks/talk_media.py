"""Long generated talks for the benchmarks: espeak-ng sentences with pauses, over room tone.

Deterministic (seeded), cached in ``bench-results/``: a talk of N minutes is sentences in
four espeak-ng voices at three speeds, separated by pauses of 0.2–4 s, over -54 dBFS noise,
written as H.264 + AAC video (:func:`talk_video`, small pictures: only the sound matters) or
AAC audio alone (:func:`talk_audio`). Needs Debian's ``espeak-ng``.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench-results"
RATE = 16000

SENTENCES = [
    "The budget for next year is larger than we expected.",
    "We will shoot the interview in the morning, when the light is soft.",
    "Please remember to check the audio levels before every take.",
    "Editing is where the story is really written.",
    "Our guest today has spent twenty years making documentaries.",
    "Cut the silences, but keep the pauses that breathe.",
    "Nobody watches a long video if the first minute is boring.",
    "The camera rolled for three hours and we used eight minutes of it.",
    "My sister bought a new camera last week.",
    "The weather was cold and windy all morning.",
]
VOICES = ["en-us+klatt", "en-us+klatt2", "en-us+Annie", "en-gb"]
PAUSES = [0.2, 0.4, 0.7, 1.0, 1.5, 2.5, 4.0]


def talk_track(minutes: float, seed: int = 1) -> tuple[np.ndarray, list[str]]:
    """``minutes`` of talk at 16 kHz mono float32, and the sentences in order."""
    from vidi_desktop.media.synth import speak

    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    total = int(minutes * 60 * RATE)
    cache: dict[tuple[str, str, int], np.ndarray] = {}
    pieces: list[np.ndarray] = []
    said: list[str] = []
    used = 0
    while used < total:
        text, voice, wpm = rng.choice(SENTENCES), rng.choice(VOICES), rng.choice([140, 160, 180])
        key = (text, voice, wpm)
        if key not in cache:
            cache[key] = speak(text, voice, wpm, RATE)
        pause = np.zeros(int(rng.choice(PAUSES) * RATE), np.float32)
        pieces += [cache[key], pause]
        said.append(text)
        used += len(cache[key]) + len(pause)
    track = np.concatenate(pieces)[:total]
    track += noise.normal(0, 0.002, total).astype(np.float32)  # room tone, -54 dBFS
    return track, said


def _audio_fn(track: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    def audio(t: np.ndarray) -> np.ndarray:
        i = np.clip((t * RATE).astype(np.int64), 0, len(track) - 1)
        return track[i]

    return audio


def talk_video(minutes: float, seed: int = 1) -> Path:
    """An MP4 (160×96, 10 fps H.264, AAC stereo 48 kHz) of ``minutes`` of talk (cached)."""
    from vidi_desktop.media.synth import write_clip

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"talk-{minutes:g}min-{seed}.mp4"
    if not path.exists():
        track, _ = talk_track(minutes, seed)
        tmp = path.with_suffix(".part.mp4")
        write_clip(
            tmp, frames=int(minutes * 60 * 10), rate=10, size=(160, 96), audio=_audio_fn(track)
        )
        tmp.rename(path)
    return path


def talk_audio(minutes: float, seed: int = 1) -> Path:
    """An M4A (AAC mono 16 kHz) of ``minutes`` of talk, no pictures (cached)."""
    import av

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"talk-{minutes:g}min-{seed}.m4a"
    if path.exists():
        return path
    track, _ = talk_track(minutes, seed)
    tmp = path.with_suffix(".part.m4a")
    with av.open(str(tmp), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=RATE)
        stream.layout = "mono"
        chunk = 1024
        for start in range(0, len(track), chunk):
            piece = np.ascontiguousarray(track[start : start + chunk][None, :])
            frame = av.AudioFrame.from_ndarray(piece, format="fltp", layout="mono")
            frame.sample_rate = RATE
            frame.pts = start
            frame.time_base = Fraction(1, RATE)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    tmp.rename(path)
    return path
