"""What the highlight finder reads, gathered from the other analysers' results.

The finder (:mod:`vidi_desktop.analysis.highlights`) works on plain numbers: spans in exact
seconds and one value per second for loudness, motion and faces. This module turns the
analysers' typed results into those numbers, so the analysis run and the highlight
benchmark feed the finder the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from vidi_desktop.analysis.highlights import HighlightInputs, Span

if TYPE_CHECKING:
    from vidi_desktop.analysis.shots import ShotBoundary
    from vidi_desktop.analysis.speech import SpeechSegment
    from vidi_desktop.analysis.transcript import Transcript
    from vidi_desktop.analysis.tubes import Tube
    from vidi_desktop.media.audio import AudioClip
    from vidi_desktop.media.probe import MediaInfo


def highlight_inputs(
    info: MediaInfo,
    *,
    shots: Sequence[ShotBoundary] | None = None,
    speech: Sequence[SpeechSegment] | None = None,
    transcript: Transcript | None = None,
    tubes: Sequence[Tube] | None = None,
    audio: AudioClip | None = None,
    motion: np.ndarray | None = None,
) -> HighlightInputs:
    """The finder's inputs for one file from whatever analyses it has (None: not known)."""
    from vidi_desktop.analysis.activity import loudness_per_second

    seconds = max(1, math.ceil(info.duration))
    start = info.start_time
    words: list[Span] = []
    sentences: list[Span] = []
    if transcript is not None:
        words = [
            Span(w.range.start.seconds, w.range.end_exclusive.seconds, w.text)
            for w in transcript.words
        ]
        sentences = [
            Span(r.start.seconds, r.end_exclusive.seconds, text)
            for r, text in transcript.sentences()
        ]
    faces = np.zeros(seconds)
    for tube in tubes or []:
        for r in tube.visible_ranges():
            a = max(0, int(r.start.seconds - start))
            b = min(seconds, math.ceil(r.end_exclusive.seconds - start))
            faces[a:b] = 1.0
    return HighlightInputs(
        start=start,
        duration=info.duration,
        cuts=[b.time.seconds for b in shots or []],
        speech=[Span(s.range.start.seconds, s.range.end_exclusive.seconds) for s in speech or []],
        sentences=sentences,
        words=words,
        energy=loudness_per_second(audio, float(start), seconds) if audio is not None else None,
        motion=motion,
        faces=faces,
    )
