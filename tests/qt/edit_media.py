"""Footage and an accepted edit for the Edit-mode tests, and the test's own EDL reading.

Two frame-numbered clips (``media.synth``): A, 120 frames at 29.97 drop-frame from
00:00:59;00 with a 440 Hz tone, and B, 60 frames at 29.97 non-drop from 10:00:00:00 with an
880 Hz tone. The edit: A with frames 25–39 cut (accepted: 00:00:59;25 to 00:01:00;11, across
the dropped labels ;00 and ;01 of minute 1), then the whole of B; a pending cut of A's
frames 90–99 waits for review. Sequence frame 25 is the join of the cut (A's frame 40), 105
the join of the files (B's frame 0).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

NTSC = Fraction(30000, 1001)
CUT = (25, 40)  # A's frames the accepted cut removes
PENDING = (90, 100)  # A's frames of the cut still pending
JOIN_CUT, JOIN_FILES = 25, 105


def make_footage(make_clip: Callable[..., Path]) -> tuple[Path, Path]:
    from vidi_desktop.media.synth import sine

    a = make_clip("edit_a_df.mp4", frames=120, rate=NTSC, gop=12, bframes=2,
                  timecode="00:00:59;00", audio=sine(440, 0.5))
    b = make_clip("edit_b_ndf.mp4", frames=60, rate=NTSC, gop=30, timecode="10:00:00:00",
                  audio=sine(880, 0.5))
    return a, b


def make_edit(a: Path, b: Path, path: Path | None = None):  # -> ProjectDocument
    """The project described in the module docstring (saved to ``path`` when given)."""
    from vidi_desktop.core.project import CutRange, Project, ProjectDocument, Suggestion
    from vidi_desktop.core.time import TimeRange
    from vidi_desktop.media.probe import probe
    from vidi_desktop.services.analyze import asset_from_probe

    asset_a, asset_b = asset_from_probe(probe(a)), asset_from_probe(probe(b))
    doc = ProjectDocument(Project(assets=(asset_a, asset_b), name="edit test"))
    cut = Suggestion.new(asset_a.id, CutRange(TimeRange.from_frames(*CUT, NTSC)), "test",
                         label="accepted cut")
    pending = Suggestion.new(asset_a.id, CutRange(TimeRange.from_frames(*PENDING, NTSC)),
                             "test", label="pending cut")
    doc.add_suggestions([cut, pending])
    doc.accept([cut.id])
    extent = asset_b.extent()
    assert extent is not None
    doc.add_clip(asset_b.id, extent)
    if path is not None:
        doc.save(path)
    return doc


def tc_frames(tc: str, rate: Fraction = NTSC) -> int:
    """SMPTE timecode → frame count (``;`` = drop-frame), the test's own arithmetic."""
    h, m, s, f = (int(p) for p in re.split("[:;.]", tc))
    nominal = round(rate)
    frames = ((h * 60 + m) * 60 + s) * nominal + f
    if ";" in tc:
        minutes = h * 60 + m
        frames -= (nominal // 15) * (minutes - minutes // 10)
    return frames


def edl_expected(edl_text: str) -> dict[int, int]:
    """Sequence frame → source frame number, from an EDL's video events read with pycmx
    and the test's own timecode arithmetic; A's events come first, then B's."""
    from io import StringIO

    import pycmx

    starts = [tc_frames("00:00:59;00"), tc_frames("00:00:59;00"), tc_frames("10:00:00:00")]
    rec0 = tc_frames("01:00:00;00")
    out: dict[int, int] = {}
    edits = [e for ev in pycmx.parse_cmx3600(StringIO(edl_text)).events for e in ev.edits
             if e.channels.video]
    assert len(edits) == 3, edl_text
    for edit, start in zip(edits, starts, strict=True):
        src_in = tc_frames(edit.source_in) - start
        rec_in, rec_out = tc_frames(edit.record_in) - rec0, tc_frames(edit.record_out) - rec0
        for n in range(rec_in, rec_out):
            out[n] = src_in + n - rec_in
    return out
