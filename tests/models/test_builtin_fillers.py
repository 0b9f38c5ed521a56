"""'delete the ums and ahs' runs the filler finder on the transcript (espeak-ng speech)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.core.progress import no_progress
from vidi_desktop.core.project import Answer, CutRange
from vidi_desktop.models.builtin.backend import BuiltinBackend
from vidi_desktop.models.protocol import AssetRef, Request

RATE = 16000
# Whisper tends to tidy hesitations away; said as separate phrases it writes them down.
SAID = [("Well, um,", 0.3), ("I think, uh,", 0.3), ("we start now.", 1.0)]


@pytest.fixture(scope="module")
def hesitant_clip(make_clip: Callable[..., Path]) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng")
    from vidi_desktop.media.synth import speak

    pieces = [np.zeros(RATE // 2, np.float32)]
    for text, pause in SAID:
        pieces += [speak(text, "en-us+klatt", 140), np.zeros(int(pause * RATE), np.float32)]
    track = np.concatenate(pieces)

    def audio(t: np.ndarray) -> np.ndarray:
        return np.interp(t, np.arange(len(track)) / RATE, track)

    frames = int(len(track) / RATE * 25)
    return make_clip("hesitant.mp4", frames=frames, rate=25, size=(160, 96), audio=audio)


def test_delete_the_ums_suggests_cuts_over_the_fillers(hesitant_clip: Path) -> None:
    backend = BuiltinBackend()
    request = Request("delete the ums and ahs", (AssetRef("a1", str(hesitant_clip)),))
    out = backend.run(request, no_progress, threading.Event())
    cuts = [s for s in out if isinstance(s.payload, CutRange)]
    assert cuts, [s.payload for s in out if isinstance(s.payload, Answer)]
    assert all(s.payload.action == "cut" and s.source == "builtin.fillers" for s in cuts)
    said = {s.metadata["vidi"]["words"].strip(",.").lower() for s in cuts}
    assert said >= {"um", "uh"}, said
    # Each cut is a word: well under a second, inside the speech.
    assert all(0 < float(s.payload.range.duration.seconds) < 1 for s in cuts), [
        (s.metadata["vidi"]["words"], float(s.payload.range.duration.seconds)) for s in cuts]
    assert backend.last_route is not None and backend.last_route.intent == "fillers"
