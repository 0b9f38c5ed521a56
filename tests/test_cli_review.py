"""``vidi-desktop review``: the list in editor terms, selections, one step saved or nothing."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.cli import main
from vidi_desktop.core.project import (
    Chapter,
    HighlightClip,
    Project,
    SilenceCut,
    SpeechRange,
    Suggestion,
    load_project,
    save_project,
)
from vidi_desktop.core.project.model import ReframePath
from vidi_desktop.core.time import TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.services.analyze import asset_from_probe

NTSC = Fraction(30000, 1001)


def frames(f: int, e: int) -> TimeRange:
    return TimeRange.from_frames(f, e, NTSC)


@pytest.fixture
def project_file(small_clip: Path, tmp_path: Path) -> Path:
    """small.mp4 (60 frames at 29.97, DF timecode 01:00:00;00) with pending suggestions of
    every edit role; two highlights overlap."""
    asset = asset_from_probe(probe(small_clip))

    def s(sid: str, payload, **kw) -> Suggestion:
        return Suggestion(sid, asset.id, payload, "test", **kw)

    project = Project(assets=(asset,), name="Review", suggestions=(
        s("5eec0000aaaa", SpeechRange(frames(0, 20)), confidence=0.9, label="speech"),
        s("511e0000aaaa", SilenceCut(frames(20, 30)), label="silence 0.3 s"),
        s("511e0000bbbb", SilenceCut(frames(40, 42)), label="silence 0.1 s"),
        s("4a110000aaaa", HighlightClip(frames(0, 30), "first"), confidence=0.8,
          label="first"),
        s("4a110000bbbb", HighlightClip(frames(25, 50), "second"), confidence=0.4,
          label="second"),
        s("c4a50000aaaa", Chapter(frames(0, 60), "All"), label="All"),
        s("2ef20000aaaa", ReframePath("9:16", ((0, 0.3, 0.0, 0.6, 1.0),), (), 2000),
          label="Reframe 9:16"),
    ))
    path = tmp_path / "p.vidi"
    save_project(project, path)
    return path


def review(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["review", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def states(path: Path) -> dict[str, str]:
    return {s.id: s.state.value for s in load_project(path).suggestions}


def test_list_shows_every_suggestion_in_timecode(capsys, project_file) -> None:
    code, out, _ = review(capsys, str(project_file), "--list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "KIND", "STATE", "START", "END", "DURATION", "CONF",
                                "LABEL"]
    assert len(lines) == 1 + 7 + 1  # header, one line each, the counts
    silence = next(line for line in lines if line.startswith("511e0000aaaa"))
    # The file's drop-frame start timecode is honoured: frame 20 is 01:00:00;20.
    assert silence.split()[:7] == ["511e0000aaaa", "silence_cut", "pending", "01:00:00;20",
                                   "01:00:01;00", "10", "fr"]
    assert lines[-1].startswith("the project has 7 suggestions: 1 chapter (1 pending); "
                                "2 highlights (2 pending); 2 silence cuts (2 pending)")


def test_list_is_the_default(capsys, project_file) -> None:
    assert review(capsys, str(project_file))[1] == review(capsys, str(project_file), "--list")[1]


def test_json_has_the_contract_keys(capsys, project_file) -> None:
    code, out, _ = review(capsys, str(project_file), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["project"] == str(project_file)
    first = doc["suggestions"][0]
    assert {"id", "kind", "state", "asset", "start", "end", "start_tc", "end_tc", "label",
            "confidence"} <= set(first)
    hl = next(s for s in doc["suggestions"] if s["id"] == "4a110000bbbb")
    assert (hl["kind"], hl["state"], hl["asset"]) == ("highlight_clip", "pending", "small.mp4")
    assert hl["start"] == pytest.approx(25 / float(NTSC), abs=1e-6)
    assert hl["end"] == pytest.approx(50 / float(NTSC), abs=1e-6)
    assert (hl["start_tc"], hl["end_tc"], hl["confidence"]) == ("01:00:00;25", "01:00:01;20",
                                                                0.4)


def test_accept_by_kind_and_length(capsys, project_file) -> None:
    code, out, _ = review(capsys, str(project_file), "--accept", "kind=silences",
                          "longer-than=0.2")
    assert code == 0
    assert out.splitlines()[0] == "accepted 1 silence cut"
    assert states(project_file)["511e0000aaaa"] == "accepted"
    assert states(project_file)["511e0000bbbb"] == "pending"
    edit = load_project(project_file).edit
    assert [c.range for c in edit] == [frames(0, 20), frames(30, 60)]


@pytest.mark.parametrize("word", ["silence", "silences", "Silence-Cuts", "silence_cut"])
def test_a_kind_is_typed_singular_or_plural(capsys, project_file, word) -> None:
    assert review(capsys, str(project_file), "--accept", f"kind={word}")[0] == 0
    assert [k for k, v in states(project_file).items() if v == "accepted"] == [
        "511e0000aaaa", "511e0000bbbb"
    ]


def test_speech_is_not_a_silence_and_changes_no_edit(capsys, project_file) -> None:
    assert review(capsys, str(project_file), "--accept", "kind=speech")[0] == 0
    assert [k for k, v in states(project_file).items() if v == "accepted"] == ["5eec0000aaaa"]
    assert load_project(project_file).edit == ()


def test_ids_add_up_and_a_unique_start_names_one(capsys, project_file) -> None:
    assert review(capsys, str(project_file), "--accept", "511e0000aaaa", "c4a5")[0] == 0
    assert [k for k, v in states(project_file).items() if v == "accepted"] == [
        "511e0000aaaa", "c4a50000aaaa"
    ]


def test_min_confidence_narrows(capsys, project_file) -> None:
    assert review(capsys, str(project_file), "--accept", "kind=highlight",
                  "min-confidence=0.5")[0] == 0
    assert [k for k, v in states(project_file).items() if v == "accepted"] == ["4a110000aaaa"]


def test_reject_and_reset_take_the_edit_back(capsys, project_file) -> None:
    review(capsys, str(project_file), "--accept", "4a110000aaaa", "511e0000aaaa")
    assert [c.range for c in load_project(project_file).edit] == [frames(0, 20)]
    assert review(capsys, str(project_file), "--reject", "kind=silences", "state=accepted")[0] == 0
    assert [c.range for c in load_project(project_file).edit] == [frames(0, 30)]
    assert review(capsys, str(project_file), "--reset", "all")[0] == 0
    assert set(states(project_file).values()) == {"pending"}
    assert load_project(project_file).edit == ()


def test_accept_and_reject_in_one_call(capsys, project_file) -> None:
    code, out, _ = review(capsys, str(project_file), "--accept", "kind=silences",
                          "--reject", "kind=highlights")
    assert code == 0
    assert out.splitlines()[:2] == ["accepted 2 silence cuts", "rejected 2 highlights"]


@pytest.mark.parametrize("args, message", [
    (["--accept", "kind=silences", "longer-than=5"], "matches no suggestion"),
    (["--accept", "kind=explosions"], "unknown kind 'explosions'"),
    (["--accept", "ffffffff"], "no suggestion with id 'ffffffff'"),
    (["--accept", "4a11"], "starts 2 suggestion ids"),
    (["--accept", "colour=red"], "unknown selection word"),
    (["--accept", "state=maybe"], "expected pending, accepted or rejected"),
    (["--accept", "min-confidence=2"], "between 0 and 1"),
    (["--accept", "kind=silences", "--reject", "511e0000aaaa"], "both --accept and --reject"),
    (["--accept", "kind=highlights"], "would contradict each other"),
])
def test_a_step_that_cannot_be_made_changes_nothing(capsys, project_file, args, message) -> None:
    before = project_file.read_bytes()
    code, out, err = review(capsys, str(project_file), *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err
    assert project_file.read_bytes() == before


def test_a_contradiction_names_both_suggestions(capsys, project_file) -> None:
    _, _, err = review(capsys, str(project_file), "--accept", "kind=highlights")
    assert "highlight clip 4a110000aaaa (0.000–1.001 s)" in err
    assert "highlight clip 4a110000bbbb (0.834–1.668 s)" in err
    assert "overlap" in err


def test_nothing_to_change_leaves_the_file(capsys, project_file) -> None:
    review(capsys, str(project_file), "--accept", "kind=chapters")
    before = project_file.read_bytes()
    code, out, _ = review(capsys, str(project_file), "--accept", "kind=chapters")
    assert code == 0 and "left as it was" in out
    assert project_file.read_bytes() == before


def test_the_summary_gives_the_edit_in_timecode(capsys, project_file) -> None:
    _, out, _ = review(capsys, str(project_file), "--accept", "kind=silences")
    assert out.splitlines()[-1] == "the edit: 3 clips, 00:00:01;18 (48 frames, 1.60 s)"

