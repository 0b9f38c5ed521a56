"""The loudness gate: silero scores only what loudness cannot tell, and the silence cuts keep
the time the full pass keeps (espeak-ng talks over noise, with loud sounds that are not
speech)."""

from __future__ import annotations

import random
import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.analysis import speech_gate as gate
from vidi_desktop.analysis.silence import remove_silences, silences_from_speech
from vidi_desktop.analysis.speech import SpeechSegment, detect_speech
from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import JobContext
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.audio import AudioClip

RATE = 16000
TICK = Fraction(1, RATE)
SENTENCES = [
    "The budget for next year is larger than we expected.",
    "We will shoot the interview in the morning, when the light is soft.",
    "Please remember to check the audio levels before every take.",
    "Editing is where the story is really written.",
    "Our guest today has spent twenty years making documentaries.",
    "Cut the silences, but keep the pauses that breathe.",
]
VOICES = ["en-us", "en-gb", "en-us+f3"]
PAUSES = [0.2, 0.4, 0.7, 1.0, 1.5, 2.5, 4.0]

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


def talk(seconds: float, seed: int, noise_db: float, bursts: int = 0) -> np.ndarray:
    """Sentences in three voices with pauses of 0.2-4 s over white noise; ``bursts`` loud
    noise bursts (0.3-2 s, -20 dBFS, no voice in them) anywhere, over speech or not."""
    from vidi_desktop.media.synth import speak

    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    total = int(seconds * RATE)
    out = noise.normal(0, 10 ** (noise_db / 20), total).astype(np.float32)
    at = RATE // 2
    spoken: dict[tuple[str, str], np.ndarray] = {}
    while True:
        key = (rng.choice(SENTENCES), rng.choice(VOICES))
        if key not in spoken:
            spoken[key] = speak(key[0], key[1], 160, RATE)
        voice = spoken[key]
        if at + len(voice) >= total:
            break
        out[at : at + len(voice)] += voice
        at += len(voice) + int(rng.choice(PAUSES) * RATE)
    for _ in range(bursts):
        n = int(rng.uniform(0.3, 2.0) * RATE)
        a = rng.randrange(0, total - n)
        burst = np.convolve(noise.normal(0, 1, n), np.ones(8) / 8, "same")
        out[a : a + n] += (0.1 * burst / burst.std()).astype(np.float32)
    return out


def clip_of(samples: np.ndarray) -> AudioClip:
    return AudioClip(samples[None, :].astype(np.float32), RATE, Time(0, TICK))


def kept(segments: list[SpeechSegment], samples: int) -> list[tuple[float, float]]:
    """The time "remove the silences" keeps, in seconds, from speech segments."""
    extent = TimeRange(Time(0, TICK), Time(samples, TICK))
    cuts = remove_silences(silences_from_speech(segments, extent), extent)
    out, at = [], 0.0
    for cut in cuts:
        a, b = float(cut.start.seconds), float(cut.end_exclusive.seconds)
        if a > at:
            out.append((at, a))
        at = max(at, b)
    if at < samples / RATE:
        out.append((at, samples / RATE))
    return out


def iou(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    inter, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        inter += max(0.0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    total = sum(y - x for x, y in a) + sum(y - x for x, y in b)
    return inter / (total - inter)


@needs_espeak
@pytest.mark.parametrize(
    ("noise_db", "bursts"), [(-55.0, 0), (-42.0, 6)], ids=["quiet-room", "noisy-room-bursts"]
)
def test_the_cuts_keep_the_time_the_full_pass_keeps(noise_db: float, bursts: int) -> None:
    samples = talk(75.0, seed=3, noise_db=noise_db, bursts=bursts)
    full = kept(detect_speech(clip_of(samples)), len(samples))
    gated = kept(gate.detect_speech_gated(clip_of(samples)), len(samples))
    assert len(full) > 10  # a talk with many pauses cut
    assert iou(full, gated) >= 0.97


@needs_espeak
def test_the_gate_scores_a_minority_of_a_talk() -> None:
    samples = talk(75.0, seed=4, noise_db=-55.0)
    probs, scored = gate.gated_probabilities(samples)
    assert probs.shape == scored.shape == (-(-len(samples) // gate.WINDOW),)
    assert 0.05 < scored.mean() < 0.5
    # What it did not score stands in as silence (0) or speech (1).
    assert set(np.unique(probs[~scored]).tolist()) <= {0.0, 1.0}


def voice_levels(n: int) -> np.ndarray:
    """Window levels that rise and fall like syllables (-18 to -30 dBFS)."""
    return -24.0 + 6.0 * np.sin(np.arange(n) * 1.3)


def test_a_quiet_stretch_is_left_out_but_its_edges_are_scored() -> None:
    db = np.concatenate([voice_levels(200), np.full(300, -70.0), voice_levels(200)])
    plan = gate.plan_windows(db)
    quiet = np.flatnonzero(plan == gate.SILENT)
    assert quiet[0] == 200 + gate.POST_ROLL and quiet[-1] == 500 - gate.PRE_ROLL - 1
    assert (plan[200 - gate.TAIL : 200 + gate.POST_ROLL] == gate.SCORE).all()
    assert (plan[500 - gate.PRE_ROLL : 500 + gate.HEAD] == gate.SCORE).all()
    assert (plan[20:150] == gate.MAYBE).all()  # steady loud sound: silero may skip it


def test_a_short_quiet_gap_between_words_stays_in_the_sound() -> None:
    db = np.concatenate([voice_levels(100), np.full(gate.QUIET_RUN - 1, -70.0),
                         voice_levels(100), np.full(400, -70.0)])
    plan = gate.plan_windows(db)
    assert not (plan[90:120] == gate.SILENT).any()


def test_a_steady_loud_sound_is_scored() -> None:
    """A fan or a held note keeps its level where a voice's moves: no skipping through it."""
    db = np.concatenate([voice_levels(200), np.full(200, -20.0), voice_levels(200)])
    db[200:400] += np.sin(np.arange(200)) * 1.0  # a little wobble, far less than a voice
    plan = gate.plan_windows(db)
    assert (plan[200:400] == gate.SCORE).all()
    assert (plan[20:180] == gate.MAYBE).all()


@needs_espeak
def test_a_loud_sound_right_after_speech_is_scored_and_cut() -> None:
    """Speech runs straight into 3 s of loud noise (no quiet gap for the level to see): the
    check after a skip fails, the noise is scored, and its cut is there as in the full pass."""
    from vidi_desktop.media.synth import speak

    voice = speak("Our guest today has spent twenty years making documentaries.", "en-us",
                  160, RATE)
    rng = np.random.default_rng(5)
    hiss = np.convolve(rng.normal(0, 1, 3 * RATE), np.ones(8) / 8, "same")
    hiss = (0.1 * hiss / hiss.std()).astype(np.float32)
    samples = np.concatenate([voice, hiss, voice, hiss, voice])
    samples = samples + rng.normal(0, 10 ** (-55 / 20), len(samples)).astype(np.float32)
    full = kept(detect_speech(clip_of(samples)), len(samples))
    gated = kept(gate.detect_speech_gated(clip_of(samples)), len(samples))
    assert len(full) == 3  # the two noises are cut
    assert iou(full, gated) >= 0.97
    _, scored = gate.gated_probabilities(samples)
    noise = slice((len(voice) + RATE) // gate.WINDOW, (len(voice) + 2 * RATE) // gate.WINDOW)
    assert scored[noise].all()


@needs_espeak
def test_decoding_while_scoring_gives_what_the_whole_clip_gives(tmp_path: Path) -> None:
    """Fed ten seconds at a time as the file decodes, planned a segment at a time: the same
    segments, to the sample, as the decoded clip scored at once (70 s: three segments)."""
    from vidi_desktop.media.audio import read_audio
    from vidi_desktop.media.synth import write_clip

    samples = talk(70.0, seed=6, noise_db=-50.0)

    def audio(t: np.ndarray) -> np.ndarray:
        return np.interp(t, np.arange(len(samples)) / RATE, samples)

    path = write_clip(tmp_path / "talk.mp4", frames=700, rate=10, size=(64, 48), audio=audio)
    found = gate.load_and_gate_speech(path, expected_seconds=70.0)
    assert found is not None
    clip, streamed = found
    decoded = read_audio(path, rate=RATE, layout="mono", fast=True)
    assert np.array_equal(clip.samples, decoded.samples) and clip.start == decoded.start
    assert len(streamed) > 5
    assert streamed == gate.detect_speech_gated(decoded)
    # Odd pieces into a scorer that does not know the length (its buffers grow as it goes).
    pieces = gate.GatedScorer()
    mono = decoded.mono()
    for first in range(0, len(mono), 7 * RATE + 123):
        pieces.feed(mono[first : first + 7 * RATE + 123])
    at_once = gate.GatedScorer(expected_samples=len(mono))
    at_once.feed(mono)
    for a, b in zip(pieces.finish(), at_once.finish(), strict=True):
        assert np.array_equal(a, b)


@needs_espeak
def test_8khz_audio_gets_the_full_pass() -> None:
    samples = talk(20.0, seed=7, noise_db=-55.0)
    eight = AudioClip(np.ascontiguousarray(samples[None, ::2]), 8000, Time(0, Fraction(1, 8000)))
    assert gate.detect_speech_gated(eight) == detect_speech(eight)


def test_a_cancel_stops_the_scoring() -> None:
    rng = np.random.default_rng(8)
    levels = np.repeat(rng.uniform(0.001, 0.3, 600), RATE)  # a level that jumps every second
    samples = (rng.normal(0, 1, levels.size) * levels).astype(np.float32)
    ctx = JobContext()

    def on_progress(fraction: float | None, _message: str) -> None:
        if fraction is not None and fraction > 0.02:
            ctx.cancel.set()

    ctx.on_progress = on_progress
    with pytest.raises(CancelledError):
        gate.detect_speech_gated(clip_of(samples), ctx=ctx)


def test_an_empty_clip_has_no_speech() -> None:
    assert gate.detect_speech_gated(clip_of(np.zeros(0, np.float32))) == []


def kept_between(cuts: list[TimeRange], extent: tuple[float, float]) -> list[tuple[float, float]]:
    out, at = [], extent[0]
    for cut in sorted(cuts, key=lambda r: r.start):
        a, b = float(cut.start.seconds), float(cut.end_exclusive.seconds)
        if a > at:
            out.append((at, a))
        at = max(at, b)
    if at < extent[1]:
        out.append((at, extent[1]))
    return out


@needs_espeak
def test_asking_to_remove_the_silences_keeps_what_the_full_pass_keeps(tmp_path: Path) -> None:
    """``ask FILE "remove the silences"`` (gated) against ``analyze --speech`` (every window
    scored) on the same encoded talk: the cuts keep the same time, IoU ≥ 0.97."""
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import analyze_file
    from vidi_desktop.core.project import SilenceCut
    from vidi_desktop.media.synth import write_clip
    from vidi_desktop.services.ask import ask_file

    samples = talk(60.0, seed=9, noise_db=-50.0, bursts=3)

    def audio(t: np.ndarray) -> np.ndarray:
        return np.interp(t, np.arange(len(samples)) / RATE, samples)

    path = write_clip(tmp_path / "talk.mp4", frames=1500, rate=25, size=(64, 48), audio=audio)
    full = analyze_file(path, AnalyzeOptions(speech=True), JobContext())
    done = ask_file(path, "remove the silences", None)
    asked = [s.payload.range for s in done.result.suggestions if isinstance(s.payload, SilenceCut)]
    extent = (float(full.info.start_time), float(full.info.start_time + full.info.duration))
    assert len(full.silence_cuts) >= 6  # a talk with pauses to cut
    assert iou(kept_between(full.silence_cuts, extent), kept_between(asked, extent)) >= 0.97
