"""How fast a cancel lands: seconds from setting the cancel flag to the call raising.

The tests only check that a cancel is honoured (the call raises instead of finishing, the
project is left alone), with generous bounds, since a loaded two-core machine can miss any
tight one. The latency itself is measured here, each case placing its cancel the way its
test does:

- the decode pass (shot detection on a generated 1-minute clip), cancelled 0.5 s in from
  another thread, as the window's Cancel does;
- voice activity on 10 minutes of noise, cancelled 0.5 s in the same way;
- Whisper on a minute of espeak-ng speech, cancelled 1 s in (inside its first window);
- the whole ``analyze`` job on the bundled sample, cancelled in its picture stage and in
  its speech stage.

Targets (the bounds the tests used to assert): under 1 s for each, 1.5 s for the job.
Run from the repository root:

    .venv/bin/python benchmarks/bench_cancel.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench-results"


def latency(run: Callable[[Any], Any], place: Callable[[Any, Callable[[], None]], Any]) -> float:
    """Seconds from the cancel to ``run`` raising CancelledError (``place`` arms the cancel
    through the job context it is given)."""
    from vidi_desktop.core.errors import CancelledError
    from vidi_desktop.core.progress import JobContext

    ctx = JobContext()
    fired: list[float] = []

    def cancel() -> None:
        if not fired:
            fired.append(time.perf_counter())
            ctx.cancel.set()

    place(ctx, cancel)
    try:
        run(ctx)
    except CancelledError:
        return time.perf_counter() - fired[0]
    raise AssertionError("the call finished instead of being cancelled")


def after_seconds(seconds: float) -> Callable[[Any, Callable[[], None]], None]:
    def place(ctx: Any, cancel: Callable[[], None]) -> None:
        threading.Timer(seconds, cancel).start()

    return place


def main() -> int:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.shots import detect_shots
    from vidi_desktop.analysis.speech import detect_speech
    from vidi_desktop.analysis.transcript import load_model, transcribe
    from vidi_desktop.core.time import Time
    from vidi_desktop.media.audio import AudioClip
    from vidi_desktop.media.synth import moving_pattern, speak, write_clip
    from vidi_desktop.paths import sample_clip
    from vidi_desktop.services.analyze import analyze_files

    rows: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        clip = write_clip(Path(tmp) / "minute.mp4", frames=1500, size=(320, 180),
                          picture=moving_pattern(320, 180))
        rows["decode pass (shots)"] = (
            latency(lambda ctx: detect_shots(clip, ctx=ctx), after_seconds(0.5)), 1.0)
        noise = np.random.default_rng(2).normal(0, 0.01, 600 * 16000).astype(np.float32)
        long_noise = AudioClip(noise[None, :], 16000, Time(0, Fraction(1, 16000)))
        detect_speech(AudioClip(noise[None, :16000], 16000, Time(0, Fraction(1, 16000))))
        # (the model is loaded now: loading is not what a cancel waits for)
        rows["voice activity (10 min)"] = (
            latency(lambda ctx: detect_speech(long_noise, ctx=ctx), after_seconds(0.5)), 1.0)
        if shutil.which("espeak-ng"):
            voice = speak("The quick brown fox jumps over the lazy dog. " * 3)
            minute = np.tile(np.r_[voice, np.zeros(8000, np.float32)], 8)[: 60 * 16000]
            speech = AudioClip(minute[None, :], 16000, Time(0, Fraction(1, 16000)))
            load_model()  # loading is not what a cancel waits for
            rows["whisper (1 min)"] = (latency(
                lambda ctx: transcribe(speech, use_vad=False, ctx=ctx), after_seconds(1.0)), 1.0)
        for stage in ("pictures", "speech"):
            target = Path(tmp) / f"p-{stage}.json"
            copy = Path(tmp) / f"copy-{stage}.mp4"
            shutil.copy(sample_clip(), copy)

            def job(ctx: Any, copy: Path = copy, target: Path = target) -> Any:
                return analyze_files([copy], target, AnalyzeOptions.everything(),
                                     ctx.on_progress, ctx.cancel)

            def place(ctx: Any, cancel: Callable[[], None], stage: str = stage) -> None:
                ctx.on_progress = lambda _f, m: cancel() if stage in m else None

            rows[f"analyze job, {stage} stage"] = (latency(job, place), 1.5)
    print(f"{'case':<28} {'latency':>9} {'target':>7}")
    for name, (seconds, goal) in rows.items():
        print(f"{name:<28} {seconds:>8.3f}s {goal:>6.1f}s {'ok' if seconds < goal else 'SLOW'}")
    # Whisper finishes its segment on a helper thread after a cancel: let it end before the
    # interpreter does.
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join(timeout=60)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_cancel.json").write_text(
        json.dumps({k: {"seconds": v[0], "target": v[1]} for k, v in rows.items()}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
