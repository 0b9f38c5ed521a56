"""The audio stage runs beside the decode pass: at once, with the same outcome as in turn.

Toy analysers (registered for one test each) make the overlap observable without timing
anything: a frame analyser that waits, frame after frame, for an audio analyser to have
started can only finish if the two run at once (the wait is bounded, so a run in turn fails
instead of hanging).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from vidi_desktop.analysis import registry
from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.analysis.registry import AnalyserSpec, Choice
from vidi_desktop.analysis.run import NO_AUDIO_NOTE, analyze_file
from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import JobContext

STARTED = threading.Event()  # set by the toy audio analyser when it starts computing


class WaitsForAudio:
    """Frame analyser: each frame waits (up to 0.1 s) for the audio side to have started."""

    name = "waiter"

    def begin(self, info: Any) -> None:
        self.saw_audio_at: int | None = None

    def wants(self, index: int) -> bool:
        return True

    def feed(self, frame: Any) -> None:
        if self.saw_audio_at is None and STARTED.wait(0.1):
            self.saw_audio_at = frame.index

    def finish(self) -> int | None:
        return self.saw_audio_at


def _audio_compute(run: Any) -> None:
    STARTED.set()
    run.results["heard"] = len(run.audio.samples[0])


def _spec(name: str, stage: str, needs: tuple[str, ...], **more: Any) -> AnalyserSpec:
    return AnalyserSpec(name=name, help=name, stage=stage, needs=needs,  # type: ignore[arg-type]
                        products=(name,), asked=Choice(), default_job=False, **more)


@pytest.fixture
def toys() -> Iterator[Callable[..., None]]:
    added: list[str] = []

    def add(*specs: AnalyserSpec) -> None:
        for spec in specs:
            registry.register(spec)
            added.append(spec.name)

    STARTED.clear()
    yield add
    for name in reversed(added):
        registry.unregister(name)


def _waiter_spec() -> AnalyserSpec:
    def compute(run: Any) -> None:
        run.results["waiter"] = run.pictures["waiter"]

    return _spec("waiter", "pictures", ("pictures",), frames=lambda o: WaitsForAudio(),
                 compute=compute)


@pytest.fixture(scope="module")
def talk_clip(make_clip: Callable[..., Path]) -> Path:
    from vidi_desktop.media.synth import sine

    return make_clip("parallel.mp4", frames=75, rate=25, size=(160, 90), audio=sine(300))


def test_audio_analysers_run_while_the_pictures_are_decoded(toys, talk_clip: Path) -> None:
    toys(_waiter_spec(), _spec("heard", "audio", ("audio",), compute=_audio_compute))
    result = analyze_file(talk_clip, AnalyzeOptions(waiter=True, heard=True), JobContext())
    # The audio analyser had started before the last frame was fed.
    assert result.waiter is not None and result.waiter < 74
    assert result.heard == pytest.approx(3 * 16000, abs=1024)  # its result is the run's (AAC pads)


def test_an_audio_analyser_needing_a_pictures_result_waits_for_it(toys, talk_clip: Path) -> None:
    def compute(run: Any) -> None:
        STARTED.set()
        run.results["after"] = run.results["waiter"]

    toys(_waiter_spec(), _spec("after", "audio", ("audio", "waiter"), compute=compute))
    result = analyze_file(talk_clip, AnalyzeOptions(after=True), JobContext())
    # In turn: the frames waited for nothing (no audio analyser had started), and the audio
    # analyser saw the pictures' result.
    assert result.waiter is None
    assert "waiter" in result.results and result.after is None


def test_an_error_on_the_audio_side_is_the_runs_error(toys, talk_clip: Path) -> None:
    def compute(run: Any) -> None:
        raise ValueError("the toy audio analyser broke")

    toys(_spec("broken", "audio", ("audio",), compute=compute))
    with pytest.raises(ValueError, match="toy audio analyser broke"):
        analyze_file(talk_clip, AnalyzeOptions(shots=True, broken=True), JobContext())


def test_cancel_during_the_pictures_stops_the_audio_side(toys, talk_clip: Path) -> None:
    def compute(run: Any) -> None:
        STARTED.set()
        while True:  # a long audio analysis that checks its cancel flag
            run.ctx.check_cancelled()
            threading.Event().wait(0.01)

    toys(_waiter_spec(), _spec("endless", "audio", ("audio",), compute=compute))
    ctx = JobContext()
    ctx.on_progress = lambda fraction, message: STARTED.is_set() and ctx.cancel.set()
    with pytest.raises(CancelledError):
        analyze_file(talk_clip, AnalyzeOptions(waiter=True, endless=True), ctx)
    # The run returns at once; the audio side ends at its next cancel check.
    for thread in [t for t in threading.enumerate() if t.name == "vidi-audio"]:
        thread.join(30)
        assert not thread.is_alive()


def test_notes_keep_the_order_of_a_run_in_turn(toys, tmp_path: Path) -> None:
    from vidi_desktop.media.synth import write_clip

    whole = write_clip(tmp_path / "silent.mp4", frames=150, rate=25, size=(64, 36),
                       faststart=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.6)])
    toys(_spec("heard", "audio", ("audio",), compute=_audio_compute))
    result = analyze_file(cut, AnalyzeOptions(shots=True, heard=True), JobContext())
    # Truncated file (read first), where the pictures stopped (decode pass), no audio (the
    # audio side, merged after): the order of a run in turn.
    assert len(result.notes) == 3
    assert "truncated" in result.notes[0] and "pictures decoded up to" in result.notes[1]
    assert result.notes[2] == NO_AUDIO_NOTE
    assert result.heard is None


def test_progress_never_goes_back(talk_clip: Path) -> None:
    seen: list[float] = []
    ctx = JobContext(on_progress=lambda f, m: seen.append(f) if f is not None else None)
    analyze_file(talk_clip, AnalyzeOptions(shots=True, speech=True), ctx)
    assert seen and seen == sorted(seen) and seen[-1] == 1.0


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_speech_scored_beside_the_pictures_is_the_speech_found_in_turn(tmp_path: Path) -> None:
    """The audio side scores voice activity while its audio decodes, beside the pictures:
    the same segments, to the sample, as reading the audio and detecting after — and the
    pre-scored segments do not leak into the results."""
    import numpy as np

    from vidi_desktop.analysis.run import DETECTED_SPEECH
    from vidi_desktop.analysis.speech import detect_speech, load_speech_audio
    from vidi_desktop.media.synth import speak, write_clip

    rate = 16000
    samples = np.zeros(8 * rate, np.float32)
    for at, text in ((0.5, "The quick brown fox jumps"), (4.5, "over the lazy dog")):
        said = speak(text, rate=rate)
        samples[int(at * rate): int(at * rate) + len(said)] += said[: 3 * rate]

    def audio(t: np.ndarray) -> np.ndarray:
        return np.interp(t, np.arange(len(samples)) / rate, samples)

    path = write_clip(tmp_path / "talk.mp4", frames=80, rate=10, size=(64, 48), audio=audio)
    result = analyze_file(path, AnalyzeOptions(shots=True, speech=True), JobContext())
    in_turn = detect_speech(load_speech_audio(path))
    assert len(in_turn) == 2
    assert result.speech == in_turn
    assert DETECTED_SPEECH not in result.results


def test_the_audio_sides_progress_shows_beside_the_pictures() -> None:
    """What the audio thread reports is part of the message the caller's thread reports next
    (so a window shows, and a user can cancel, a stage running beside the decode pass); a
    finished branch drops out of the message."""
    from vidi_desktop.analysis.run import _Progress

    seen: list[tuple[float | None, str]] = []
    ctx = JobContext(on_progress=lambda f, m: seen.append((f, m)))
    progress = _Progress(ctx, pictures=3.0, audio=1.0)
    side = threading.Thread(target=progress.branch("audio", "speech"), args=(0.5, "voice"))
    side.start()
    side.join()
    assert seen == []  # the other thread never calls the run's callback itself
    progress.branch("pictures", "pictures")(0.5, "frame 16")
    assert seen == [(pytest.approx((3 * 0.5 + 0.5) / 4), "pictures: frame 16 · speech: voice")]
    progress.finish("audio")
    progress.show()  # (the context may hold this report back a moment: it keeps the latest)
    assert (ctx.fraction, ctx.message) == (pytest.approx((3 * 0.5 + 1) / 4), "pictures: frame 16")
