"""The project JSON format: round trips, the v1 → v2 upgrade, and refusals with one line."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

from vidi_desktop.core.errors import CorruptProjectError, ProjectError, ProjectVersionError
from vidi_desktop.core.project import (
    CURRENT_VERSION,
    UPGRADES,
    Answer,
    Asset,
    Box,
    Chapter,
    CutRange,
    EditClip,
    HighlightClip,
    ObjectTube,
    Project,
    ProjectDocument,
    ReviewState,
    SceneBoundary,
    SilenceCut,
    SpeechRange,
    SubtitleCue,
    Suggestion,
    Word,
    dumps,
    loads,
    project_from_json,
    project_to_json,
)
from vidi_desktop.core.time import Time, TimeRange

TB = Fraction(1, 25)
NTSC = Fraction(1001, 30000)


def fr(start: int, end: int, tb: Fraction = TB) -> TimeRange:
    return TimeRange.from_start_end(Time(start, tb), Time(end, tb))


def every_kind_project() -> Project:
    """One suggestion of every kind, every review state, odd time bases, nested metadata."""
    a = Asset(
        "A",
        "/media/ünïcode clip.mov",
        123456789,
        1_700_000_000_123_456_789,
        info={"duration": "30030/1001", "rate": "30000/1001", "start_timecode": "01:00:00;00"},
    )
    b = Asset("B", "/media/b.mp4", 1, 2, name="Bee")
    meta = {"vidi": {"model": "qwen3-vl", "raw": "0.12-0.34", "scores": [0.1, 2, None]}, "x": True}
    suggestions = (
        Suggestion(
            "s1",
            "A",
            CutRange(fr(30, 60, NTSC)),
            "silence",
            0.25,
            "Silence",
            "accepted",
            removed=(fr(30, 45, NTSC), fr(50, 60, NTSC)),
        ),
        Suggestion("s2", "A", CutRange(fr(0, 10), "keep"), "takes", None, "", "rejected"),
        Suggestion("s3", "A", SceneBoundary(Time(7, NTSC)), "shots", 0.9),
        Suggestion("s4", "A", SceneBoundary(Time(70, NTSC), "dissolve", Time(12, NTSC)), "shots"),
        Suggestion(
            "s5",
            "B",
            ObjectTube("red car", (Box(0, 0.1, 0.2, 0.3, 0.4), Box(500, 0, 0, 1, 1))),
            "qwen3-vl",
            0.5,
            metadata=meta,
            request="every moment the red car is visible",
        ),
        Suggestion("s6", "B", HighlightClip(fr(0, 750), "Goal!", 0.97), "highlights", 1.0),
        Suggestion("s7", "B", HighlightClip(fr(5, 6)), "highlights"),
        Suggestion("s8", "A", Chapter(fr(0, 900, NTSC), "Intro"), "chapters"),
        Suggestion(
            "s9",
            "A",
            SubtitleCue(
                fr(1, 50), "Hello world", (Word(fr(1, 20), "Hello"), Word(fr(25, 50), "world"))
            ),
            "whisper",
        ),
        Suggestion("s10", "B", Answer("Twice.", (fr(0, 10), fr(100, 140))), "vlm", 0.7),
        Suggestion("s11", "B", Answer("No."), "vlm"),
    )
    edit = (
        EditClip("e1", "B", fr(0, 750), "s6"),
        EditClip("e2", "A", fr(0, 30, NTSC)),
        EditClip("e3", "A", fr(60, 900, NTSC)),
    )
    return Project(
        assets=(a, b),
        suggestions=suggestions,
        edit=edit,
        name="Final cut — ünïcode",
        created="2025-03-04T05:06:07+00:00",
        settings={"export": {"format": "fcpxml", "version": "1.10"}, "record_start": "01:00:00:00"},
    )


def test_round_trip_keeps_every_kind_exactly():
    project = every_kind_project()
    data = dumps(project)
    back = loads(data)
    assert back == project
    # Stricter than ==, which compares times by value: time bases survive too.
    assert dumps(back) == data
    assert back.suggestion("s5").payload.boxes[0].x0 == 0.1
    assert back.suggestion("s1").removed == (fr(30, 45, NTSC), fr(50, 60, NTSC))
    assert back.suggestion("s1").payload.range.time_base == NTSC
    assert {s.kind for s in back.suggestions} == {
        "cut_range",
        "scene_boundary",
        "object_tube",
        "highlight_clip",
        "chapter",
        "subtitle_cue",
        "answer",
    }


def test_file_is_utf8_json_with_schema_and_version():
    data = dumps(every_kind_project())
    doc = json.loads(data.decode("utf-8"))
    assert doc["schema"] == "vidi-desktop.project" and doc["version"] == CURRENT_VERSION == 3
    assert "ünïcode" in data.decode("utf-8")  # written as text, not \\u escapes
    s1 = doc["suggestions"][0]
    assert s1["kind"] == "cut_range" and s1["state"] == "accepted"
    assert s1["payload"]["range"] == {"start": 30, "duration": 30, "time_base": "1001/30000"}


def test_unknown_metadata_keys_are_preserved():
    doc = project_to_json(every_kind_project())
    doc["suggestions"][4]["metadata"]["from_the_future"] = {"nested": [1, {"deep": "yes"}]}
    doc["assets"][0]["info"]["codec_private"] = "abc"
    back = project_from_json(json.loads(json.dumps(doc)))
    assert back.suggestion("s5").metadata["from_the_future"] == {"nested": [1, {"deep": "yes"}]}
    assert back.suggestion("s5").metadata["vidi"]["raw"] == "0.12-0.34"
    assert back.asset("A").info["codec_private"] == "abc"


def test_project_from_json_does_not_modify_its_input():
    doc = project_to_json(every_kind_project())
    snapshot = json.dumps(doc, sort_keys=True)
    project_from_json(doc)
    assert json.dumps(doc, sort_keys=True) == snapshot


# -- version 1 -------------------------------------------------------------------------------

V1_FILE = """{
  "schema": "vidi-desktop.project",
  "version": 1,
  "name": "Draft from v1",
  "created": "2024-06-01T10:00:00+00:00",
  "settings": {"record_start": "01:00:00:00"},
  "assets": [
    {"id": "a1", "path": "/media/interview.mov", "size": 1000, "mtime_ns": 5,
     "name": "interview.mov", "info": {"duration": "60", "rate": "24000/1001"}}
  ],
  "suggestions": [
    {"id": "s1", "type": "cut_range", "asset": "a1", "backend": "silence", "confidence": 0.5,
     "label": "Silence", "accepted": true, "metadata": {"db": -42, "custom": {"k": [1, 2]}},
     "range": {"start_s": "1001/1000", "end_s": "2"}, "action": "cut"},
    {"id": "s2", "type": "scene_boundary", "asset": "a1", "backend": "shots",
     "accepted": false, "time_s": "1001/24000", "transition": "dissolve", "duration_s": "1/2"},
    {"id": "s3", "type": "subtitle_cue", "asset": "a1", "backend": "whisper",
     "accepted": null, "range": {"start_s": "0", "end_s": "3/2"}, "text": "Hi there",
     "words": [{"range": {"start_s": "0", "end_s": "1/2"}, "text": "Hi"},
               {"range": {"start_s": "1/2", "end_s": "3/2"}, "text": "there"}]},
    {"id": "s4", "type": "object_tube", "asset": "a1", "backend": "vlm", "request": "the dog",
     "query": "dog", "boxes": [[0, 0.1, 0.1, 0.5, 0.5], [40, 0.2, 0.1, 0.6, 0.5]]},
    {"id": "s5", "type": "answer", "asset": "a1", "backend": "vlm", "text": "At the start.",
     "ranges": [{"start_s": "0", "end_s": "1"}]},
    {"id": "s6", "type": "highlight_clip", "asset": "a1", "backend": "hl", "accepted": true,
     "range": {"start_s": "10", "end_s": "20"}, "title": "Laugh", "score": 0.8},
    {"id": "s7", "type": "chapter", "asset": "a1", "backend": "chapters",
     "range": {"start_s": "0", "end_s": "30"}, "title": "Part one"}
  ],
  "edit": [
    {"id": "e1", "asset": "a1", "range": {"start_s": "0", "end_s": "1001/1000"},
     "suggestion": null},
    {"id": "e2", "asset": "a1", "range": {"start_s": "2", "end_s": "60"}, "suggestion": null},
    {"id": "e3", "asset": "a1", "range": {"start_s": "10", "end_s": "20"}, "suggestion": "s6"}
  ]
}
"""


def test_v1_file_is_upgraded():
    project = loads(V1_FILE.encode(), "draft.vidi")
    assert project.name == "Draft from v1"
    s = {x.id: x for x in project.suggestions}
    assert s["s1"].state is ReviewState.ACCEPTED
    assert s["s2"].state is ReviewState.REJECTED
    assert s["s3"].state is ReviewState.PENDING and s["s4"].state is ReviewState.PENDING
    # Rational seconds became exact ticks; a silence cut is its own kind since version 3.
    assert s["s1"].payload == SilenceCut(
        TimeRange.from_start_end(Time(1001, Fraction(1, 1000)), Time(2, 1))
    )
    assert s["s1"].payload.range.to_json() == {
        "start": 1001,
        "duration": 999,
        "time_base": "1/1000",
    }
    assert s["s1"].source == "silence" and s["s1"].confidence == 0.5 and s["s1"].label == "Silence"
    assert s["s1"].metadata == {"db": -42, "custom": {"k": [1, 2]}}
    assert s["s1"].removed is None  # v1 did not record it
    assert s["s2"].payload == SceneBoundary(
        Time(1001, Fraction(1, 24000)), "dissolve", Time(1, Fraction(1, 2))
    )
    half = Fraction(1, 2)
    there = TimeRange.from_start_end(Time(1, half), Time(3, half))
    assert s["s3"].payload.words[1] == Word(there, "there")
    assert [b.t_ms for b in s["s4"].payload.boxes] == [0, 40]
    assert s["s4"].request == "the dog"
    assert s["s5"].payload.ranges == (TimeRange(Time(0, 1), Time(1, 1)),)
    assert s["s6"].payload.title == "Laugh" and s["s6"].kind == "highlight_clip"
    assert s["s7"].payload == Chapter(TimeRange(Time(0, 1), Time(30, 1)), "Part one")
    assert [(c.id, c.suggestion_id) for c in project.edit] == [
        ("e1", None),
        ("e2", None),
        ("e3", "s6"),
    ]
    assert project.edit[1].range == TimeRange(Time(2, 1), Time(58, 1))
    # Saved again, it is a current-version file that reads back the same.
    data = dumps(project)
    assert json.loads(data)["version"] == CURRENT_VERSION
    assert loads(data) == project


def test_v1_accepted_cut_without_record_is_put_back_whole_when_rejected():
    d = ProjectDocument(loads(V1_FILE.encode()))
    d.reject(["s1"])
    assert [c.range for c in d.project.edit[:1]] == [TimeRange(Time(0, 1), Time(60, 1))]


def test_upgrade_chain_covers_every_old_version():
    assert set(UPGRADES) == set(range(1, CURRENT_VERSION))


# -- version 2 -------------------------------------------------------------------------------

V2_FILE = """{
  "schema": "vidi-desktop.project", "version": 2, "name": "Talk from v2",
  "created": "2025-03-01T10:00:00+00:00", "settings": {},
  "assets": [{"id": "a1", "path": "/media/talk.mp4", "size": 10, "mtime_ns": 5,
              "name": "talk.mp4", "info": {"duration": "10", "rate": "25"}}],
  "suggestions": [
    {"id": "sp1", "kind": "cut_range", "asset_id": "a1", "source": "builtin.speech",
     "confidence": 0.9, "label": "speech", "state": "accepted", "request": null,
     "metadata": {"vidi": {"analyser": "speech"}},
     "payload": {"range": {"start": 0, "duration": 100, "time_base": "1/25"},
                 "action": "keep"}},
    {"id": "sp2", "kind": "cut_range", "asset_id": "a1", "source": "builtin.speech",
     "confidence": 0.8, "label": "speech", "state": "pending", "request": "where people talk",
     "metadata": {}, "payload": {"range": {"start": 150, "duration": 50, "time_base": "1/25"},
                                 "action": "keep"}},
    {"id": "si1", "kind": "cut_range", "asset_id": "a1", "source": "builtin.silence",
     "confidence": null, "label": "silence 1.8 s", "state": "accepted", "request": null,
     "metadata": {"vidi": {"analyser": "silence", "seconds": 1.8}},
     "payload": {"range": {"start": 105, "duration": 45, "time_base": "1/25"},
                 "action": "cut"},
     "removed": [{"start": 105, "duration": 45, "time_base": "1/25"}]},
    {"id": "w1", "kind": "cut_range", "asset_id": "a1", "source": "transcript.fillers",
     "confidence": null, "label": "filler “um”", "state": "pending", "request": null,
     "metadata": {"vidi": {"analyser": "transcript", "cut": "filler"}},
     "payload": {"range": {"start": 40, "duration": 5, "time_base": "1/25"}, "action": "cut"}},
    {"id": "k1", "kind": "cut_range", "asset_id": "a1", "source": "builtin.find_phrase",
     "confidence": 1.0, "label": "“budget” at 0:02", "state": "pending", "request": null,
     "metadata": {}, "payload": {"range": {"start": 50, "duration": 10, "time_base": "1/25"},
                                 "action": "keep"}}
  ],
  "edit": [{"id": "e1", "asset_id": "a1", "suggestion_id": "sp1",
            "range": {"start": 0, "duration": 100, "time_base": "1/25"}}]
}
"""


def test_v2_speech_and_silences_get_their_own_kinds():
    project = loads(V2_FILE.encode(), "talk.vidi")
    s = {x.id: x for x in project.suggestions}
    assert [s[i].kind for i in ("sp1", "sp2", "si1", "w1", "k1")] == [
        "speech", "speech", "silence_cut", "cut_range", "cut_range"
    ]
    assert s["sp2"].payload == SpeechRange(TimeRange(Time(150, TB25), Time(50, TB25)))
    assert (s["sp2"].request, s["sp2"].confidence) == ("where people talk", 0.8)
    assert s["si1"].state is ReviewState.ACCEPTED
    assert s["si1"].removed == (TimeRange(Time(105, TB25), Time(45, TB25)),)
    assert s["w1"].payload.action == "cut" and s["k1"].payload.action == "keep"


def test_v2_accepted_speech_leaves_its_clip_in_the_edit_unlinked():
    project = loads(V2_FILE.encode(), "talk.vidi")
    assert [(c.id, c.suggestion_id) for c in project.edit] == [("e1", None)]
    assert project.suggestion("sp1").state is ReviewState.ACCEPTED
    # Speech is information now: rejecting it changes no edit.
    d = ProjectDocument(project)
    d.reject(["sp1"])
    assert d.project.edit == project.edit


TB25 = Fraction(1, 25)


def test_v1_problem_is_reported_with_its_place():
    doc = json.loads(V1_FILE)
    doc["suggestions"][0]["range"]["end_s"] = "two"
    with pytest.raises(CorruptProjectError) as info:
        loads(json.dumps(doc).encode(), "draft.vidi")
    assert str(info.value) == (
        "draft.vidi: suggestions[0].range.end_s: not a rational number of seconds: 'two'"
        " (in a version 1 file)"
    )


# -- refusals --------------------------------------------------------------------------------


def current_doc() -> dict[str, Any]:
    return project_to_json(every_kind_project())


def mutate(change) -> bytes:
    doc = current_doc()
    change(doc)
    return json.dumps(doc).encode()


BAD_FILES: list[tuple[str, bytes, type[Exception], str]] = [
    (
        "future version",
        mutate(lambda d: d.update(version=7)),
        ProjectVersionError,
        "p.vidi: written by a newer vidi-desktop (project version 7); this one reads up to 3",
    ),
    ("empty", b"", CorruptProjectError, "p.vidi: empty file, not a project"),
    (
        "truncated",
        dumps(every_kind_project())[:150],
        CorruptProjectError,
        "p.vidi: not valid JSON (Unterminated string starting at: line 1 column 144);"
        " the file is damaged or truncated",
    ),
    (
        "invalid utf-8",
        b'{"schema": "\xff"}',
        CorruptProjectError,
        "p.vidi: not a project file (not UTF-8 text: byte 0xff at offset 12)",
    ),
    (
        "top-level array",
        b"[1, 2]",
        CorruptProjectError,
        "p.vidi: not a vidi-desktop project (the top level is an array, not an object)",
    ),
    (
        "wrong schema",
        b'{"schema": "otio.Timeline", "version": 1}',
        CorruptProjectError,
        "p.vidi: not a vidi-desktop project (schema is 'otio.Timeline')",
    ),
    (
        "no schema",
        b'{"version": 2}',
        CorruptProjectError,
        "p.vidi: not a vidi-desktop project (no 'schema' key)",
    ),
    (
        "missing version",
        mutate(lambda d: d.pop("version")),
        CorruptProjectError,
        "p.vidi: missing 'version'",
    ),
    (
        "string version",
        mutate(lambda d: d.update(version="2")),
        CorruptProjectError,
        "p.vidi: version: expected an integer, got a string",
    ),
    (
        "float version",
        mutate(lambda d: d.update(version=2.0)),
        CorruptProjectError,
        "p.vidi: version: expected an integer, got a number",
    ),
    (
        "version zero",
        mutate(lambda d: d.update(version=0)),
        CorruptProjectError,
        "p.vidi: version: unknown project version 0",
    ),
    (
        "missing time base",
        mutate(lambda d: d["suggestions"][3]["payload"]["duration"].pop("time_base")),
        CorruptProjectError,
        "p.vidi: suggestions[3].payload.duration: missing 'time_base'",
    ),
    (
        "range missing time base",
        mutate(lambda d: d["suggestions"][5]["payload"]["range"].pop("time_base")),
        CorruptProjectError,
        "p.vidi: suggestions[5].payload.range: missing 'time_base'",
    ),
    (
        "zero time base",
        mutate(lambda d: d["edit"][0]["range"].update(time_base="1/0")),
        CorruptProjectError,
        "p.vidi: edit[0].range.time_base: not a rational number: '1/0'",
    ),
    (
        "negative duration",
        mutate(lambda d: d["edit"][0]["range"].update(duration=-5)),
        CorruptProjectError,
        "p.vidi: edit[0].range.duration: must not be negative, got -5",
    ),
    (
        "confidence as string",
        mutate(lambda d: d["suggestions"][0].update(confidence="high")),
        CorruptProjectError,
        "p.vidi: suggestions[0].confidence: expected a number, got a string",
    ),
    (
        "confidence out of range",
        mutate(lambda d: d["suggestions"][0].update(confidence=3)),
        CorruptProjectError,
        "p.vidi: suggestions[0]: confidence must be within [0, 1], got 3.0",
    ),
    (
        "NaN constant",
        mutate(lambda d: d["suggestions"][0].update(confidence=1)).replace(
            b'"confidence": 1', b'"confidence": NaN'
        ),
        CorruptProjectError,
        "p.vidi: not valid JSON (NaN is not a number a project can hold)",
    ),
    (
        "ticks as string",
        mutate(lambda d: d["suggestions"][2]["payload"]["time"].update(ticks="7")),
        CorruptProjectError,
        "p.vidi: suggestions[2].payload.time.ticks: expected an integer, got a string",
    ),
    (
        "unknown kind",
        mutate(lambda d: d["suggestions"][1].update(kind="hologram")),
        CorruptProjectError,
        "p.vidi: suggestions[1].kind: unknown suggestion kind 'hologram' (known: answer, chapter,"
        " cut_range, highlight_clip, object_tube, reframe_path, scene_boundary, silence_cut,"
        " speech, subtitle_cue)",
    ),
    (
        "bad state",
        mutate(lambda d: d["suggestions"][1].update(state="maybe")),
        CorruptProjectError,
        "p.vidi: suggestions[1].state: expected pending, accepted or rejected, got 'maybe'",
    ),
    (
        "box out of frame",
        mutate(lambda d: d["suggestions"][4]["payload"]["boxes"][1].__setitem__(3, 1.5)),
        CorruptProjectError,
        "p.vidi: suggestions[4].payload.boxes[1]: box x1 must be within [0, 1], got 1.5",
    ),
    (
        "assets not a list",
        mutate(lambda d: d.update(assets={"A": 1})),
        CorruptProjectError,
        "p.vidi: assets: expected an array, got an object",
    ),
    (
        "suggestion not an object",
        mutate(lambda d: d["suggestions"].__setitem__(2, "s3")),
        CorruptProjectError,
        "p.vidi: suggestions[2]: expected an object, got a string",
    ),
    (
        "dangling asset",
        mutate(lambda d: d["suggestions"][3].update(asset_id="ghost")),
        CorruptProjectError,
        "p.vidi: suggestions[3].asset_id: no asset with id 'ghost'",
    ),
    (
        "duplicate id",
        mutate(lambda d: d["edit"][1].update(id="e1")),
        CorruptProjectError,
        "p.vidi: edit[1].id: duplicate id 'e1'",
    ),
    (
        "bad date",
        mutate(lambda d: d.update(created="yesterday")),
        CorruptProjectError,
        "p.vidi: created: not an ISO 8601 date: 'yesterday'",
    ),
    (
        "deeply nested",
        b'{"schema": "vidi-desktop.project", "version": 2, "settings": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}",
        CorruptProjectError,
        "",
    ),
]


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_input_gives_a_one_line_typed_error(data, error, message):
    with pytest.raises(error) as info:
        loads(data, "p.vidi")
    text = str(info.value)
    assert "\n" not in text and text.startswith("p.vidi: ")
    if message:
        assert text == message
    assert isinstance(info.value, ProjectError)


def test_dumps_refuses_values_json_cannot_hold():
    a = Asset("A", "/m/a.mp4", 1, 1)
    for bad, where in [
        ({"frames": {1, 2}}, "suggestions[0].metadata.frames: a set cannot be saved in JSON"),
        ({"nested": [{"x": float("nan")}]}, "suggestions[0].metadata.nested[0].x: nan is not JSON"),
        ({"k": {3: "three"}}, "suggestions[0].metadata.k: key 3 is not a string"),
    ]:
        s = Suggestion("s", "A", Chapter(fr(0, 1)), "x", metadata=bad)
        with pytest.raises(ProjectError) as info:
            dumps(Project(assets=(a,), suggestions=(s,)), "p.vidi")
        assert str(info.value) == f"p.vidi: cannot save: {where}"
