"""The built-in backend end to end on generated footage: cuts, espeak-ng speech, windows, bad
input, requests it cannot serve, cancellation."""

from __future__ import annotations

import itertools
import shutil
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import no_progress
from vidi_desktop.core.project import (
    Answer,
    Chapter,
    CutRange,
    HighlightClip,
    SceneBoundary,
    SilenceCut,
    SpeechRange,
    SubtitleCue,
    Suggestion,
)
from vidi_desktop.core.project.model import ReframePath
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.models.builtin.backend import BuiltinBackend
from vidi_desktop.models.protocol import MAX_REQUEST_CHARS, AssetRef, Backend, Request, RequestError
from vidi_desktop.models.registry import create_backend

RATE = 16000
CUT_FRAMES = (50, 110)  # first frames of the second and third shots, at 25 fps


@pytest.fixture(scope="module")
def backend() -> BuiltinBackend:
    b = BuiltinBackend()
    started = time.perf_counter()
    b.load(no_progress, threading.Event())
    print(f"\nbuilt-in backend load: {time.perf_counter() - started:.2f} s")
    return b


@pytest.fixture(scope="module")
def cuts_clip(make_clip: Callable[..., Path]) -> Path:
    """6 s at 25 fps: three still shots, hard cuts at frames 50 and 110, no sound."""
    from support.shot_evalset import synthetic_still

    stills = [synthetic_still(seed, (160, 96)) for seed in (21, 22, 23)]

    def picture(n: int) -> np.ndarray:
        return stills[sum(n >= c for c in CUT_FRAMES)].copy()

    return make_clip(
        "builtin_cuts.mp4", frames=150, rate=25, size=(160, 96), picture=picture, stamp=False
    )


# The sentences, spoken by espeak-ng with long pauses; "budget" is synthesised on its own
# (0.25 s either side) so its true span is known to the sample.
SPEECH = [
    ("The weather was cold and windy all morning.", 2.5),
    ("We need to talk about the", 0.25),
    ("budget", 0.25),
    ("for next year.", 2.5),
    ("My sister bought a new camera last week.", 1.0),
]


@pytest.fixture(scope="module")
def speech_clip(make_clip: Callable[..., Path]) -> tuple[Path, dict[str, tuple[float, float]]]:
    """About 15 s of video whose sound is :data:`SPEECH` over -45 dB noise; returns the file
    and each piece's true span in seconds."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng")
    from vidi_desktop.media.synth import speak

    pieces = [np.zeros(RATE // 2, np.float32)]
    at = RATE // 2
    truth: dict[str, tuple[float, float]] = {}
    for text, pause in SPEECH:
        voice = speak(text, "en-us+klatt", 150)
        truth[text] = (at / RATE, (at + len(voice)) / RATE)
        pieces += [voice, np.zeros(int(pause * RATE), np.float32)]
        at += len(voice) + int(pause * RATE)
    track = np.concatenate(pieces)
    track += np.random.default_rng(3).normal(0, 10 ** (-45 / 20), len(track)).astype(np.float32)

    def audio(t: np.ndarray) -> np.ndarray:
        return np.interp(t, np.arange(len(track)) / RATE, track)

    frames = int(len(track) / RATE * 25)
    path = make_clip("builtin_speech.mp4", frames=frames, rate=25, size=(160, 96), audio=audio)
    return path, truth


def ask(
    backend: BuiltinBackend,
    path: Path,
    text: str,
    window: TimeRange | None = None,
    progress: Callable[[float | None, str], None] = no_progress,
) -> list[Suggestion]:
    request = Request(text, (AssetRef("asset1", str(path)),), window)
    started = time.perf_counter()
    out = backend.run(request, progress, threading.Event())
    assert backend.last_route is not None
    latency = backend.router.last_latency_s  # None for a preset: it skips routing
    routing = "preset" if latency is None else f"routing {latency * 1000:.1f} ms"
    elapsed = time.perf_counter() - started
    print(f"\n{text!r}: {len(out)} suggestion(s) in {elapsed:.2f} s ({routing})")
    for s in out:
        assert s.asset_id == "asset1"
        assert s.request == text
        assert s.metadata["vidi"]["routing"]["intent"]
    return out


def of(kind: type, suggestions: list[Suggestion]) -> list:
    return [s.payload for s in suggestions if isinstance(s.payload, kind)]


def seconds(t: Time) -> float:
    return float(t.seconds)


# -- the protocol ---------------------------------------------------------------------------------


def test_it_is_a_backend_from_the_registry() -> None:
    b = create_backend("builtin", {"whisper_model": None})
    assert isinstance(b, Backend) and isinstance(b, BuiltinBackend)
    caps = b.capabilities
    assert caps.name == "builtin" and not caps.needs_gpu and caps.chapters
    assert {"scenes", "silences", "subtitles", "find_phrase", "chapters"} <= set(caps.builtin_tasks)
    assert not caps.spatial and not caps.temporal  # free-text moments need a VLM


def test_empty_and_huge_requests_are_refused(cuts_clip: Path) -> None:
    ref = (AssetRef("asset1", str(cuts_clip)),)
    with pytest.raises(RequestError, match="empty"):
        Request("   ", ref)
    with pytest.raises(RequestError, match="characters long"):
        Request("split into scenes " * 300, ref)
    assert len("split into scenes " * 300) > MAX_REQUEST_CHARS


# -- scenes ---------------------------------------------------------------------------------------


def test_split_into_scenes_finds_the_cuts_at_their_frames(
    backend: BuiltinBackend, cuts_clip: Path
) -> None:
    found = of(SceneBoundary, ask(backend, cuts_clip, "split this into scenes"))
    video = probe(cuts_clip).video
    assert video is not None
    expected = [video.frame_index.time_of(f) for f in CUT_FRAMES]
    assert [b.time for b in found] == expected
    assert all(b.transition == "cut" for b in found)


def test_a_window_in_words_keeps_what_is_inside(backend: BuiltinBackend, cuts_clip: Path) -> None:
    found = of(SceneBoundary, ask(backend, cuts_clip, "detect shot changes in the first 3 seconds"))
    assert [round(seconds(b.time), 2) for b in found] == [2.0]
    found = of(SceneBoundary, ask(backend, cuts_clip, "find the cuts in the last 2 seconds"))
    assert [round(seconds(b.time), 2) for b in found] == [4.4]


def test_request_window_and_words_intersect(backend: BuiltinBackend, cuts_clip: Path) -> None:
    window = TimeRange(Time(3, 1), Time(3, 1))  # 3 s - 6 s
    found = of(SceneBoundary, ask(backend, cuts_clip, "split into scenes", window=window))
    assert [round(seconds(b.time), 2) for b in found] == [4.4]
    # 3-6 s ∩ 0-2 s is empty: a clear message, not an empty answer.
    with pytest.raises(
        RequestError,
        match=r"the first 2 seconds.* and the selected window "
        "0:03–0:06 do not overlap",
    ):
        ask(backend, cuts_clip, "find the cuts in the first 2 seconds", window)


def test_a_window_outside_the_clip_is_a_clear_error(
    backend: BuiltinBackend, cuts_clip: Path
) -> None:
    with pytest.raises(RequestError, match=r"outside builtin_cuts\.mp4, which runs 0:00–0:06"):
        ask(backend, cuts_clip, "split into scenes after 10:00")
    with pytest.raises(RequestError, match="outside"):
        ask(backend, cuts_clip, "split into scenes", window=TimeRange(Time(60, 1), Time(5, 1)))


def test_reframe_to_vertical(backend: BuiltinBackend, cuts_clip: Path) -> None:
    (path,) = of(ReframePath, ask(backend, cuts_clip, "make it vertical"))
    assert path.aspect == "9:16"
    assert path.cuts_ms == (2000, 4400)  # the crop may jump only at the cuts
    (path,) = of(ReframePath, ask(backend, cuts_clip, "square crop for Instagram"))
    assert path.aspect == "1:1"


def test_no_speech_in_a_silent_clip_is_said(backend: BuiltinBackend, cuts_clip: Path) -> None:
    (answer,) = of(Answer, ask(backend, cuts_clip, "find where she says 'budget'"))
    assert "no sound" in answer.text
    (answer,) = of(Answer, ask(backend, cuts_clip, "remove the silences"))
    assert "No sound" in answer.text


def test_phrase_search_falls_back_to_the_closest_spelling() -> None:
    from vidi_desktop.analysis.transcript import Transcript, TranscriptWord
    from vidi_desktop.models.builtin.tasks import search_phrase

    def word(i: int, text: str) -> TranscriptWord:
        return TranscriptWord(
            TimeRange(Time(i * 10, Fraction(1, 20)), Time(8, Fraction(1, 20))), text, 0.9
        )

    words = tuple(word(i, t) for i, t in enumerate(["We", "cut", "the", "budgets,", "again."]))
    transcript = Transcript(words, (), "en")
    hits, exact = search_phrase(transcript, "the budgets")
    assert exact and [h.start.seconds for h in hits] == [1]
    hits, exact = search_phrase(transcript, "budget")  # Whisper wrote the plural
    assert not exact and len(hits) == 1
    assert hits[0] == words[3].range  # the word's own edges
    hits, exact = search_phrase(transcript, "banana")
    assert hits == [] and not exact


# -- speech ---------------------------------------------------------------------------------------


def test_find_a_phrase_gives_the_word_s_exact_range(backend: BuiltinBackend, speech_clip) -> None:
    path, truth = speech_clip
    out = ask(backend, path, "find where he says 'budget'")
    (keep,) = of(CutRange, out)
    (answer,) = of(Answer, out)
    assert keep.action == "keep"
    a, b = truth["budget"]
    # Whisper's word edges, on the 16 kHz sample grid: within 0.15 s of the spoken word.
    assert abs(seconds(keep.range.start) - a) <= 0.15
    assert abs(seconds(keep.range.end_exclusive) - b) <= 0.15
    assert keep.range.time_base == Fraction(1, RATE)
    assert answer.ranges == (keep.range,) and "once" in answer.text


def test_a_phrase_never_said_gets_an_answer(backend: BuiltinBackend, speech_clip) -> None:
    path, _ = speech_clip
    out = ask(backend, path, 'find where she says "giraffe sandwich"')
    (answer,) = of(Answer, out)
    assert "is not said" in answer.text and not of(CutRange, out)


def test_remove_the_silences_cuts_only_silence(backend: BuiltinBackend, speech_clip) -> None:
    path, truth = speech_clip
    cuts = of(SilenceCut, ask(backend, path, "remove the silences"))
    assert cuts and all(c.action == "cut" for c in cuts)
    spoken = [
        TimeRange.from_start_end(Time.exact(Fraction(a)), Time.exact(Fraction(b)))
        for a, b in truth.values()
    ]
    # The 2.5 s pauses after "morning." and "next year." are cut, never the speech.
    for c in cuts:
        assert not any(c.range.overlaps(s) for s in spoken)
    after_morning = truth["The weather was cold and windy all morning."][1]
    assert any(
        seconds(c.range.start) < after_morning + 0.6 and c.range.duration.seconds > 1.5
        for c in cuts
    )
    # A wider margin keeps more silence next to the speech.
    wide = of(SilenceCut, ask(backend, path, "cut the dead air but leave 0.5 s of padding"))
    total = sum(float(c.range.duration.seconds) for c in cuts)
    total_wide = sum(float(c.range.duration.seconds) for c in wide)
    assert total_wide < total - 0.5


def test_subtitles_and_speech(backend: BuiltinBackend, speech_clip) -> None:
    path, truth = speech_clip
    cues = of(SubtitleCue, ask(backend, path, "add captions"))
    assert any("budget" in c.text.lower() for c in cues)
    found = ask(backend, path, "where is someone talking")
    spoken = of(SpeechRange, found)
    # Speech is information (its own kind), not a range to keep or cut.
    assert spoken and not of(CutRange, found)
    first = truth["The weather was cold and windy all morning."]
    assert abs(seconds(spoken[0].range.start) - first[0]) < 0.3


def test_speech_in_a_window_stays_inside(backend: BuiltinBackend, speech_clip) -> None:
    path, _ = speech_clip
    spoken = of(SpeechRange, ask(backend, path, "find the speech in the first 4 seconds"))
    assert spoken
    assert all(c.range.end_exclusive <= Time(4, 1) for c in spoken)


def test_chapters_cover_the_clip_and_split_in_the_pauses(
    backend: BuiltinBackend, speech_clip
) -> None:
    path, truth = speech_clip
    chapters = of(Chapter, ask(backend, path, "split it into 3 chapters"))
    assert len(chapters) == 3
    extent = probe(path)
    assert chapters[0].range.start == Time(0, 1)
    assert seconds(chapters[-1].range.end_exclusive) == pytest.approx(float(extent.duration))
    for a, b in itertools.pairwise(chapters):
        assert a.range.end_exclusive == b.range.start  # contiguous
    # Each new chapter starts in one of the 2.5 s pauses: where the next sentence begins, or
    # at a shot cut inside the pause (moving_pattern's texture wraps every 128 frames, which
    # the shot detector reports as a cut at 5.12 s).
    starts = [seconds(c.range.start) for c in chapters[1:]]
    pauses = [
        (
            truth["The weather was cold and windy all morning."][1],
            truth["We need to talk about the"][0],
        ),
        (truth["for next year."][1], truth["My sister bought a new camera last week."][0]),
    ]
    for t, (a, b) in zip(starts, pauses, strict=True):
        assert a - 0.1 <= t <= b + 0.1
    assert all(c.title for c in chapters)


def test_highlights_of_the_length_asked(backend: BuiltinBackend, speech_clip) -> None:
    path, _ = speech_clip
    out = ask(backend, path, "give me two 4-second highlights")
    clips = [s for s in out if isinstance(s.payload, HighlightClip)]
    assert 1 <= len(clips) <= 2
    for s in clips:
        played, meta = float(s.payload.played()), s.metadata["vidi"]
        assert meta["length"] == pytest.approx(played, abs=0.05)
        if meta["within_tolerance"]:
            assert 4 * 0.85 <= played <= 4 * 1.15
        else:  # shorter, never below half, and it says why
            assert 2 <= played < 4 * 0.85 and "not 4 s" in meta["note"]
    if len(clips) < 2 or not all(s.metadata["vidi"]["within_tolerance"] for s in clips):
        (answer,) = of(Answer, out)
        assert "of speech" in answer.text
    too_long = of(Answer, ask(backend, path, "one 5-minute highlight"))
    assert too_long and "too short" in too_long[0].text


def test_compound_request_runs_every_task(backend: BuiltinBackend, speech_clip) -> None:
    path, _ = speech_clip
    out = ask(backend, path, "remove the silences and add subtitles")
    assert of(CutRange, out) and of(SubtitleCue, out)


# -- what it cannot do ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("when is the red car visible", "--backend qwen-vl"),
        ("find the dog", "--backend qwen-vl"),
        ("stabilize the footage", "cannot do"),
        ("asdf qwerty", "did not understand"),
    ],
)
def test_unservable_requests_get_one_clear_answer(
    backend: BuiltinBackend, cuts_clip: Path, text: str, says: str
) -> None:
    (s,) = ask(backend, cuts_clip, text)
    assert isinstance(s.payload, Answer) and says in s.payload.text
    assert not s.payload.ranges


# -- progress and cancel --------------------------------------------------------------------------


def test_progress_is_reported_and_ends_at_one(backend: BuiltinBackend, cuts_clip: Path) -> None:
    seen: list[tuple[float | None, str]] = []
    ask(
        backend,
        cuts_clip,
        "split into scenes with high sensitivity",
        progress=lambda f, m: seen.append((f, m)),
    )
    fractions = [f for f, _ in seen if f is not None]
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)


def test_a_cancelled_request_raises(backend: BuiltinBackend, cuts_clip: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    request = Request("split into scenes", (AssetRef("asset1", str(cuts_clip)),))
    with pytest.raises(CancelledError):
        backend.run(request, no_progress, cancel)


def test_unload_then_run_loads_again(cuts_clip: Path) -> None:
    b = BuiltinBackend()
    b.load(no_progress, threading.Event())
    b.unload()
    assert not b.loaded
    out = ask(b, cuts_clip, "split into scenes")  # loads lazily on the next request
    assert b.loaded and of(SceneBoundary, out)


# -- faces (real faces from the shared footage) ---------------------------------------------------


@pytest.fixture(scope="module")
def faces_clip(make_clip: Callable[..., Path], shared_media: Path) -> Path:
    """6 s at 25 fps, three shots; only the middle one (frames 50-109) shows faces: a
    frame of goldeneye-vfr-drop3.mp4 with two."""
    from support.shot_evalset import synthetic_still

    from vidi_desktop.media.decode import iter_decoded

    movie = next(iter(iter_decoded(shared_media / "goldeneye-vfr-drop3.mp4", start_frame=150)))
    with_faces = movie.image("rgb24", 640).copy()  # 640x272
    size = (with_faces.shape[1], with_faces.shape[0])
    stills = [synthetic_still(31, size), with_faces, synthetic_still(32, size)]

    def picture(n: int) -> np.ndarray:
        return stills[sum(n >= c for c in CUT_FRAMES)].copy()

    return make_clip(
        "builtin_faces.mp4", frames=150, rate=25, size=size, picture=picture, stamp=False
    )


def test_every_shot_with_a_face(backend: BuiltinBackend, faces_clip: Path) -> None:
    (shot,) = of(CutRange, ask(backend, faces_clip, "every shot with a face"))
    assert shot.action == "keep"
    assert (seconds(shot.range.start), seconds(shot.range.end_exclusive)) == (2.0, 4.4)
    moments = of(CutRange, ask(backend, faces_clip, "whenever someone's face is on screen"))
    assert moments
    for m in moments:  # face tubes cut at the shot's edges, never beyond
        assert Time(2, 1) <= m.range.start and m.range.end_exclusive <= Time(22, 5)
    assert sum(float(m.range.duration.seconds) for m in moments) > 1.5
