"""The headless editing loop a user runs: ``ask`` → ``review --list`` → ``review --accept`` →
``export -o cut.edl`` → ``render``, on real footage, checked frame by frame; and the default
``analyze`` + accept-all giving one consistent edit."""

from __future__ import annotations

import io
import itertools
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pycmx
import pytest

from vidi_desktop.cli import main

TIMER = (slice(600, 680), slice(1180, 1250))
"""Where example.mp4 shows its running time: every frame differs from the next there."""


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    code = main(list(args))
    printed = capsys.readouterr()
    assert code == 0, printed.err
    return printed.out


def tc_frames(tc: str, fps: int = 30) -> int:
    """A non-drop timecode as a frame count (independent of vidi-desktop's own)."""
    h, m, s, f = (int(x) for x in tc.replace(";", ":").split(":"))
    return ((h * 60 + m) * 60 + s) * fps + f


def crops(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [
            f.to_ndarray(format="gray")[TIMER].astype(np.int16)
            for f in container.decode(video=0)
        ]


def test_ask_review_export_render_removes_the_silences_asked(
    capsys, shared_media: Path, tmp_path: Path
) -> None:
    footage = shared_media / "example.mp4"  # 42.4 s, 30 fps, speech with long pauses
    project = tmp_path / "talk.json"
    cli(capsys, "ask", str(footage), "remove the silences", "-o", str(project))

    listed = cli(capsys, "review", str(project), "--list").splitlines()
    rows = [line.split() for line in listed[1:-1]]
    assert rows and all(r[1] == "silence_cut" and r[2] == "pending" for r in rows)

    out = cli(capsys, "review", str(project), "--accept", "kind=silences", "longer-than=0.5")
    doc = json.loads(cli(capsys, "review", str(project), "--json"))
    accepted = [s for s in doc["suggestions"] if s["state"] == "accepted"]
    assert accepted and all(s["end"] - s["start"] > 0.5 for s in accepted)
    assert out.splitlines()[0] == f"accepted {len(accepted)} silence cut" + (
        "s" if len(accepted) > 1 else "")
    # The frames the asked edit keeps: those whose time lies in no accepted cut.
    kept = [k for k in range(1272)
            if not any(s["start"] - 1e-4 <= k / 30 < s["end"] - 1e-4 for s in accepted)]
    assert 300 < len(kept) < 1272

    edl = tmp_path / "cut.edl"
    assert cli(capsys, "export", str(project), "-o", str(edl)).strip() == f"wrote {edl}"
    events = list(pycmx.parse_cmx3600(io.StringIO(edl.read_text())).events)
    from_edl = [k for e in events for k in range(tc_frames(e.edits[0].source_in),
                                                 tc_frames(e.edits[0].source_out))]
    assert from_edl == kept
    record = [(tc_frames(e.edits[0].record_in), tc_frames(e.edits[0].record_out))
              for e in events]
    assert record[0][0] == tc_frames("01:00:00:00")
    assert all(a[1] == b[0] for a, b in itertools.pairwise(record))

    rendered = tmp_path / "cut.mp4"
    said = cli(capsys, "render", str(project), "-o", str(rendered))
    assert f"{len(kept)} frames" in said and "frame-exact" in said
    source, output = crops(footage), crops(rendered)
    assert len(output) == len(kept)
    # Frame by frame: each output frame is its source frame, not a neighbour.
    for i, k in enumerate(kept):
        near = [j for j in range(k - 3, k + 4) if 0 <= j < len(source)]
        errors = [float(np.abs(output[i] - source[j]).mean()) for j in near]
        assert near[int(np.argmin(errors))] == k, (i, k, errors)


def test_default_analyze_and_accept_all_is_one_consistent_edit(capsys, tmp_path) -> None:
    """Speech is information and silences are the cuts: accepting everything the default
    analysis suggests gives the highlights without their silences — no frame twice, no
    accepted silence left in, every highlight frame outside the silences kept."""
    from vidi_desktop.core.project import load_project
    from vidi_desktop.core.project.consistency import contradictions

    project = tmp_path / "sample.json"
    cli(capsys, "analyze", "--sample", "-o", str(project))
    cli(capsys, "review", str(project), "--accept", "all")
    p = load_project(project)
    assert contradictions(p) == []
    (asset,) = p.assets
    fps = 30
    cuts = [s.extent() for s in p.suggestions if s.kind == "silence_cut"]
    # A highlight keeps its parts (its own pauses left out), else its whole range.
    keeps = [r for s in p.suggestions if s.kind == "highlight_clip"
             for r in s.payload.edit_ranges()]
    assert cuts and keeps and {s.state.value for s in p.suggestions} == {"accepted"}

    def frames_of(r) -> set[int]:
        return {k for k in range(1272)
                if r.start.seconds <= Fraction(k, fps) < r.end_exclusive.seconds}

    cut = set().union(*(frames_of(r) for r in cuts))
    want = sorted(set().union(*(frames_of(r) for r in keeps)) - cut)

    edl = tmp_path / "all.edl"
    cli(capsys, "export", str(project), "-o", str(edl))
    events = list(pycmx.parse_cmx3600(io.StringIO(edl.read_text())).events)
    got = [k for e in events for k in range(tc_frames(e.edits[0].source_in),
                                            tc_frames(e.edits[0].source_out))]
    assert len(got) == len(set(got))  # no frame twice
    assert got == want
    assert asset.name == "example.mp4"
