"""The program (what Edit mode plays) shows at sequence frame N the frame the EDL puts there.

The EDL is written by ``vidi-desktop export`` and read back by the test's own CMX and
drop-frame readers (``independent``); clips at another rate than the sequence are checked
against the renderer's choice of frames. The footage is frame-numbered (``media.synth``):
a 29.97 drop-frame clip whose timecode crosses a dropped minute label, with a cut accepted
in it, then another 29.97 clip (non-drop timecode), or a 25 fps clip conformed into the
29.97 sequence (no EDL holds that: its frames are the renderer's).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest
from independent import edl_events, tc_frames

from vidi_desktop.cli import main
from vidi_desktop.core.project import CutRange, Project, ProjectDocument, Suggestion
from vidi_desktop.core.time import TimeRange
from vidi_desktop.interchange.program import Program
from vidi_desktop.media.probe import probe
from vidi_desktop.media.reader import VideoReader
from vidi_desktop.services.analyze import asset_from_probe

NTSC = Fraction(30000, 1001)


@pytest.fixture(scope="module")
def footage(make_clip: Callable[..., Path]) -> tuple[Path, Path, Path]:
    """A: 120 frames at 29.97 DF from 00:00:59;00 (frame 30 is 00:01:00;02); B: 60 at
    29.97 from 10:00:00:00 non-drop; C: 60 at 25."""
    a = make_clip("program_a_df.mp4", frames=120, rate=NTSC, gop=12, bframes=2,
                  timecode="00:00:59;00")
    b = make_clip("program_b_ndf.mp4", frames=60, rate=NTSC, gop=30,
                  timecode="10:00:00:00")
    c = make_clip("program_c_25.mp4", frames=60, rate=25, gop=25)
    return a, b, c


def edit_of(a: Path, b: Path, *, settings: dict | None = None) -> ProjectDocument:
    """A with frames 25–39 cut (00:00:59;25–00:01:00;11: across the dropped labels ;00
    and ;01), then the whole of ``b``."""
    asset_a, asset_b = asset_from_probe(probe(a)), asset_from_probe(probe(b))
    doc = ProjectDocument(Project(assets=(asset_a, asset_b), name="program",
                                  settings=dict(settings or {})))
    cut = Suggestion.new(asset_a.id, CutRange(TimeRange.from_frames(25, 40, NTSC)), "test")
    doc.add_suggestions([cut])
    doc.accept([cut.id])
    extent = asset_b.extent()
    assert extent is not None
    doc.add_clip(asset_b.id, extent)
    return doc


def test_every_frame_is_the_edls(footage: tuple[Path, Path, Path], tmp_path: Path) -> None:
    a, b, _ = footage
    doc = edit_of(a, b)
    doc.save(tmp_path / "p.vidi")
    edl = tmp_path / "cut.edl"
    assert main(["export", str(tmp_path / "p.vidi"), "--format", "edl", "-o", str(edl),
                 "-q"]) == 0
    events = [e for e in edl_events(edl.read_text()) if "V" in e["channels"]]
    program = Program.of(doc.project)
    starts = {"00:00:59;00": tc_frames("00:00:59;00", NTSC),
              "10:00:00:00": tc_frames("10:00:00:00", NTSC)}
    record_start = tc_frames("01:00:00;00", NTSC)
    checked = 0
    assert len(events) == 3
    for ev, tc0 in zip(events, ("00:00:59;00", "00:00:59;00", "10:00:00:00"), strict=True):
        src_in = tc_frames(ev["src_in"], NTSC) - starts[tc0]
        rec_in = tc_frames(ev["rec_in"], NTSC) - record_start
        rec_out = tc_frames(ev["rec_out"], NTSC) - record_start
        for n in range(rec_in, rec_out):
            pick = program.pick(n)
            assert pick.frame == src_in + (n - rec_in), (ev, n)
            assert program.timecode(n) == _label(record_start + n)
            checked += 1
    assert checked == program.duration == 120 - 15 + 60
    assert program.timecode(25) == "01:00:00;25"  # the frame after the cut, record side
    assert program.pick(25).frame == 40


def _label(frames: int) -> str:
    """Drop-frame label of a frame count at 29.97 (the test's own arithmetic)."""
    per_10min, per_min = 17982, 1798
    tens, rest = divmod(frames, per_10min)
    extra = 18 * tens + (2 * ((rest - 2) // per_min) if rest > 1 else 0)
    f = frames + extra
    return f"{f // 108000:02d}:{f // 1800 % 60:02d}:{f // 30 % 60:02d};{f % 30:02d}"


def test_a_clip_at_another_rate_shows_the_renderers_frames(
    footage: tuple[Path, Path, Path]
) -> None:
    from vidi_desktop.interchange.render import _source_frames

    a, _, c = footage
    program = Program.of(edit_of(a, c).project)
    head = program.clips[-1]
    assert head.source.name == "program_c_25.mp4" and head.record_count == 72  # 60 × 30/25
    with VideoReader(c) as reader:
        rendered = _source_frames(head, reader, program.rate.value)
        shown = [
            program.pick(head.record_in + k).resolve(reader.frame_at_time, reader.frame_count)
            for k in range(head.record_count)
        ]
    assert shown == rendered


def test_the_record_start_comes_from_the_project(footage: tuple[Path, Path, Path]) -> None:
    a, b, _ = footage
    program = Program.of(edit_of(a, b, settings={"record_start": "10:00:00;00"}).project)
    assert program.timecode(0) == "10:00:00;00"
    assert program.frame_of_timecode("10:00:00;25") == 25
    with pytest.raises(ValueError, match="outside the edit"):
        program.frame_of_timecode("09:59:59;29")


def test_a_moment_cut_out_maps_to_the_join(footage: tuple[Path, Path, Path]) -> None:
    a, b, _ = footage
    doc = edit_of(a, b)
    program = Program.of(doc.project)
    a_id = doc.project.assets[0].id
    inside = Fraction(30) / NTSC  # frame 30 of A lies in the accepted cut
    assert program.record_frame_of(a_id, inside) == 25
    assert program.record_frame_of(a_id, Fraction(10) / NTSC) == 10
    assert program.record_frame_of(a_id, Fraction(45) / NTSC) == 30
