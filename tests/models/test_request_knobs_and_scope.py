"""A request's scope and its explicit task parameters, below the window: the runner keeps a
scoped result inside its scope whatever the backend did, and the built-in tasks take the
preset popover's values (``Request.options``) over what the words say."""

from __future__ import annotations

import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from stub_backends import RecordingBackend

from vidi_desktop.core.progress import no_progress
from vidi_desktop.core.project import Answer, CutRange, SilenceCut
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.backend import BuiltinBackend
from vidi_desktop.models.builtin.knobs import apply_options
from vidi_desktop.models.builtin.presets import preset_route
from vidi_desktop.models.protocol import AssetRef, Request, RequestError
from vidi_desktop.models.runner import ModelRunner

WAIT = 60.0
SNAP = 2 / 25  # silence cut points snap within 2 frames (25 fps)


def seconds(a: str, b: str) -> TimeRange:
    return TimeRange.from_start_end(Time.exact(Fraction(a)), Time.exact(Fraction(b)))


# -- the runner scopes every result ------------------------------------------------------------


def run_scoped(window: TimeRange) -> list[Any]:
    """The recording backend answers a keep of 10–20 s whatever it is asked about."""
    runner = ModelRunner(
        backend_factory=lambda name, options: RecordingBackend(label=name)
    ).start()
    try:
        request = Request("keep the good bit", (AssetRef("a1", "/footage/clip.mp4"),), window)
        result = runner.submit(request, "rec").wait(WAIT)
    finally:
        runner.close()
    assert result is not None and result.ok
    return [s.payload for s in result.suggestions]


def test_a_result_overlapping_the_scope_is_clipped_to_it() -> None:
    payloads = run_scoped(seconds("15", "30"))
    assert payloads[1] == CutRange(seconds("15", "20"), "keep")


def test_a_result_outside_the_scope_does_not_come_back_but_answers_do() -> None:
    payloads = run_scoped(seconds("0", "10"))
    assert [type(p) for p in payloads] == [Answer]


# -- the popover's values -----------------------------------------------------------------------


def test_options_override_the_words_for_their_own_task_only() -> None:
    routed = preset_route("remove the silences")
    assert routed is not None and routed.intent == I.SILENCES
    task, analysis = apply_options(routed, {
        "silence_margin": 0.35, "keep_pauses": "1/2", "silence_threshold": -40,
        "sensitivity": 0.9, "fps": 2,  # another task's knob and a VLM's: not for this task
    })
    assert task.params.margin == Fraction(7, 20) and task.params.keep_pauses == Fraction(1, 2)
    assert analysis == {"silence_threshold": -40.0}
    scenes, analysis = apply_options(preset_route("split into scenes"), {"sensitivity": 0.9})
    assert analysis == {"sensitivity": 0.9} and scenes.params == preset_route(
        "split into scenes").params
    highlights, _ = apply_options(preset_route("five 30-second highlights"),
                                  {"highlights": 2, "highlight_seconds": 12})
    assert (highlights.params.count, highlights.params.duration) == (2, 12)


@pytest.mark.parametrize("options, message", [
    ({"silence_margin": -1}, "silence_margin: must not be negative"),
    ({"silence_threshold": 6}, "silence_threshold: must be between -120 and 0 dB"),
    ({"min_silence": "soon"}, "min_silence"),
    ({"keep_pauses": float("nan")}, "keep_pauses: must be a finite number"),
])
def test_a_bad_value_is_a_request_error_naming_it(options: dict, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        apply_options(preset_route("remove the silences"), options)


@pytest.fixture(scope="module")
def tones_clip(make_clip: Callable[..., Path]) -> Path:
    """6 s at 25 fps of a tone: loud (0.5) for 0–1 s, 2.5–3.5 s and 5–6 s, -49 dB between,
    digital silence at 3.5–5 s. No voice detector calls it speech."""

    def audio(t: np.ndarray) -> np.ndarray:
        tone = np.sin(2 * np.pi * 440 * t)
        loud = (t < 1) | ((t >= 2.5) & (t < 3.5)) | (t >= 5)
        quiet = np.where((t >= 3.5) & (t < 5), 0.0, 0.005)
        return np.where(loud, 0.5, quiet) * tone

    return make_clip("knobs_tones.mp4", frames=150, rate=25, size=(160, 96), audio=audio)


def cuts(path: Path, options: dict[str, Any]) -> list[tuple[float, float]]:
    backend = BuiltinBackend()
    request = Request("remove the silences", (AssetRef("a1", str(path)),), None, options)
    out = backend.run(request, no_progress, threading.Event())
    return [(float(s.payload.range.start.seconds), float(s.payload.range.end_exclusive.seconds))
            for s in out if isinstance(s.payload, SilenceCut)]


def test_a_silence_threshold_cuts_only_what_is_quieter(tones_clip: Path) -> None:
    assert cuts(tones_clip, {}) == [(0.0, 6.0)]  # no speech: all of it is one pause
    quiet = cuts(tones_clip, {"silence_threshold": -30})
    assert len(quiet) == 2
    # Inside the -49 dB and silent stretches (1–2.5 s, 3.5–5 s), the 0.2 s margin kept next
    # to the loud tone; cut points may snap up to 2 frames to a quieter frame boundary.
    for (a, b), (lo, hi) in zip(quiet, [(1, 2.5), (3.5, 5)], strict=True):
        assert lo + 0.2 - SNAP <= a < b <= hi - 0.2 + SNAP
    ((c0, c1),) = cuts(tones_clip, {"silence_threshold": -60})  # only the digital silence
    assert 3.5 + 0.2 - SNAP <= c0 < c1 <= 5 - 0.2 + SNAP


def test_the_cut_says_which_knobs_made_it(tones_clip: Path) -> None:
    backend = BuiltinBackend()
    options = {"silence_threshold": -30, "silence_margin": Fraction(1, 10)}
    request = Request("remove the silences", (AssetRef("a1", str(tones_clip)),), None, options)
    cut = next(s for s in backend.run(request, no_progress, threading.Event())
               if isinstance(s.payload, SilenceCut))
    meta = cut.metadata["vidi"]
    assert meta["silence_threshold"] == -30.0 and meta["silence_margin"] == 0.1
