"""Progress a person can trust: one 0–100 % per job that never goes backwards, a plain line
at most every 5 s without a terminal, nothing with --quiet."""

from __future__ import annotations

import io
import itertools
import types
from pathlib import Path

from vidi_desktop.commands.common import LINE_EVERY_S, progress_bar
from vidi_desktop.core.progress import Monotonic, shares


class Clock:
    """A clock the test moves by hand (no wall-clock bound anywhere)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_without_a_terminal_a_line_at_most_every_5_seconds() -> None:
    stream, clock = io.StringIO(), Clock()
    with progress_bar("analyzing", True, stream=stream, clock=clock) as report:
        for step in range(60):  # a report every second for a minute
            clock.now += 1.0
            report(step / 60, f"stage {step}")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 60 // int(LINE_EVERY_S)
    assert lines[0] == "vidi-desktop: analyzing 7% (stage 4)"


def test_the_line_never_goes_backwards() -> None:
    stream, clock = io.StringIO(), Clock()
    with progress_bar("analyzing", True, stream=stream, clock=clock) as report:
        # A stage restarting from 0, and an unknown fraction (the bar used to show 0 %).
        for fraction in (0.2, 0.6, 0.1, 0.3, None, 0.9):
            clock.now += LINE_EVERY_S
            report(fraction, "x")
    shown = [int(line.split()[2].rstrip("%")) for line in stream.getvalue().splitlines()]
    assert shown == [20, 60, 60, 60, 60, 90]


def test_a_short_job_prints_no_line() -> None:
    stream, clock = io.StringIO(), Clock()
    with progress_bar("exporting", True, stream=stream, clock=clock) as report:
        clock.now += LINE_EVERY_S / 2
        report(1.0, "done")
    assert stream.getvalue() == ""


def test_quiet_prints_nothing() -> None:
    stream, clock = io.StringIO(), Clock()
    with progress_bar("analyzing", False, stream=stream, clock=clock) as report:
        clock.now += 60
        report(0.5, "half")
    assert stream.getvalue() == ""


def test_monotonic_holds_the_highest_fraction() -> None:
    seen: list[float | None] = []
    report = Monotonic(lambda f, m: seen.append(f))
    for f in (0.5, 0.2, None, 1.5, -1.0):
        report(f, "")
    assert seen == [0.5, 0.5, 0.5, 1.0, 1.0]


def test_stage_shares_follow_their_weights() -> None:
    assert shares([("pictures", 3), ("audio", 0), ("speech", 1)]) == {
        "pictures": (0.0, 0.75), "audio": (0.75, 0.75), "speech": (0.75, 1.0)
    }


def test_the_analysis_itself_never_reports_backwards(
    make_clip, tmp_path: Path, monkeypatch
) -> None:
    """Pictures, audio and each audio analyser fill their own share of one 0–100 %."""
    import vidi_desktop.core.progress as progress_module

    # The job throttles reports to ~20 a second; a clock that moves a second per reading lets
    # every report through, so the count does not depend on how fast this machine is.
    ticking = itertools.count(1000.0)
    clock = types.SimpleNamespace(monotonic=lambda: float(next(ticking)))
    monkeypatch.setattr(progress_module, "time", clock)
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.media.synth import sine
    from vidi_desktop.services.analyze import analyze_files

    clip = make_clip("progress.mp4", frames=75, rate=25, audio=sine(330, 0.3))
    seen: list[float] = []
    options = AnalyzeOptions(shots=True, speech=True, thumbnails=0, waveform=False)
    analyze_files([clip], None, options, on_progress=lambda f, m: f is None or seen.append(f))
    assert seen[-1] == 1.0 and len(seen) > 3
    assert all(b >= a for a, b in itertools.pairwise(seen)), seen
