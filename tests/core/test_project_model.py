"""The project model's values, checks and pure edit functions, and the event emitter."""

from __future__ import annotations

import gc
import logging
import math
import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Self

import pytest

from vidi_desktop.core.project import (
    PAYLOAD_TYPES,
    Answer,
    Asset,
    Box,
    Chapter,
    CutRange,
    EditClip,
    Event,
    EventEmitter,
    Fields,
    HighlightClip,
    ObjectTube,
    Payload,
    Project,
    ReviewState,
    SceneBoundary,
    SubtitleCue,
    Suggestion,
    UnknownIdError,
    Word,
    cut_from_edit,
    dumps,
    loads,
    payload_class,
    register_payload,
    restore_to_edit,
)
from vidi_desktop.core.time import Time, TimeRange

TB = Fraction(1, 25)


def fr(start: int, end: int) -> TimeRange:
    """Frames ``start``…``end - 1`` at 25 fps."""
    return TimeRange.from_start_end(Time(start, TB), Time(end, TB))


def ms(start: int, end: int) -> TimeRange:
    return TimeRange.from_start_end(Time(start, Fraction(1, 1000)), Time(end, Fraction(1, 1000)))


def asset(name: str = "a.mp4", duration: str | None = "10") -> Asset:
    info = {"duration": duration} if duration is not None else {}
    return Asset.new(f"/media/{name}", 1000, 42, info=info)


# -- boxes and tubes ---------------------------------------------------------------------------


def test_box_accepts_a_normalized_box_and_makes_floats():
    box = Box(40, 0, 0.25, 1, 0.75)
    assert (box.x0, box.y0, box.x1, box.y1) == (0.0, 0.25, 1.0, 0.75)
    assert isinstance(box.x0, float)
    assert box.time == Time(40, Fraction(1, 1000))


@pytest.mark.parametrize(
    ("coords", "error"),
    [
        ((-0.1, 0, 0.5, 0.5), ValueError),
        ((0, 0, 1.2, 0.5), ValueError),
        ((0.6, 0, 0.5, 0.5), ValueError),  # x0 > x1
        ((0, 0.6, 0.5, 0.5), ValueError),  # y0 > y1
        ((math.nan, 0, 0.5, 0.5), ValueError),
        ((True, 0, 0.5, 0.5), TypeError),
        (("0", 0, 0.5, 0.5), TypeError),
    ],
)
def test_box_refuses_out_of_range_inverted_or_non_numbers(coords, error):
    with pytest.raises(error):
        Box(0, *coords)


def test_box_time_must_be_integer_ms():
    with pytest.raises(TypeError):
        Box(1.5, 0, 0, 1, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Box(True, 0, 0, 1, 1)


def test_box_clamped_orders_corners_and_clamps_model_output():
    box = Box.clamped(10, 1.05, -0.02, 0.4, 0.5)
    assert (box.x0, box.y0, box.x1, box.y1) == (0.4, 0.0, 1.0, 0.5)
    with pytest.raises(ValueError):
        Box.clamped(10, math.inf, 0, 0.5, 0.5)


def test_tube_sorts_boxes_and_refuses_duplicates_or_empty():
    tube = ObjectTube("red car", (Box(500, 0, 0, 1, 1), Box(0, 0, 0, 1, 1)))
    assert [b.t_ms for b in tube.boxes] == [0, 500]
    assert tube.extent() == ms(0, 500)
    with pytest.raises(ValueError, match="same time"):
        ObjectTube("car", (Box(5, 0, 0, 1, 1), Box(5, 0, 0, 1, 1)))
    with pytest.raises(ValueError, match="at least one box"):
        ObjectTube("car", ())


def test_tube_visible_ranges_split_where_the_object_left_the_frame():
    times = [0, 500, 1000, 4000, 4500, 9000]
    tube = ObjectTube("dog", tuple(Box(t, 0.1, 0.1, 0.2, 0.2) for t in times))
    assert tube.visible_ranges(max_gap_ms=1000, tail_ms=500) == (
        ms(0, 1500),
        ms(4000, 5000),
        ms(9000, 9500),
    )
    # Without a tail a lone box covers no time and is dropped; runs keep first..last.
    assert tube.visible_ranges(max_gap_ms=1000) == (ms(0, 1000), ms(4000, 4500))
    # A gap equal to the limit does not split.
    assert tube.visible_ranges(max_gap_ms=3000) == (ms(0, 4500),)
    with pytest.raises(ValueError):
        tube.visible_ranges(-1)


# -- payloads and suggestions ------------------------------------------------------------------


def test_every_kind_is_registered_under_its_name():
    assert {
        "cut_range",
        "scene_boundary",
        "object_tube",
        "highlight_clip",
        "chapter",
        "subtitle_cue",
        "answer",
    } <= set(PAYLOAD_TYPES)
    assert payload_class("chapter") is Chapter
    with pytest.raises(KeyError, match="unknown suggestion kind 'nope'"):
        payload_class("nope")


def test_payload_validation():
    with pytest.raises(ValueError):
        CutRange(fr(0, 5), "trim")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown transition"):
        SceneBoundary(Time(3, TB), "spin")
    with pytest.raises(TypeError):
        Chapter((0, 5), "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        HighlightClip(fr(0, 5), "x", math.inf)


def test_edit_actions_and_extents():
    assert CutRange(fr(0, 5)).edit_action() == "cut"
    assert CutRange(fr(0, 5), "keep").edit_action() == "keep"
    assert HighlightClip(fr(0, 5)).edit_action() == "keep"
    assert Chapter(fr(0, 5)).edit_action() is None
    assert SceneBoundary(Time(3, TB)).extent() == fr(3, 3)
    assert SceneBoundary(Time(3, TB), "dissolve", Time(12, TB)).extent() == fr(3, 15)
    assert Answer("no", ()).extent() is None
    assert Answer("yes", (fr(10, 12), fr(2, 4))).extent() == fr(2, 12)


def test_suggestion_kind_comes_from_payload_and_fields_are_checked():
    a = asset()
    s = Suggestion.new(a.id, Chapter(fr(0, 50), "Intro"), "chapters", confidence=1)
    assert s.kind == "chapter"
    assert s.state is ReviewState.PENDING
    assert s.confidence == 1.0 and isinstance(s.confidence, float)
    assert len(s.id) == 12 and int(s.id, 16) >= 0
    with pytest.raises(ValueError, match="confidence"):
        Suggestion.new(a.id, Chapter(fr(0, 5)), "x", confidence=1.5)
    with pytest.raises(ValueError):
        Suggestion("x", a.id, CutRange(fr(0, 5)), "x", removed=(fr(0, 5),))  # not accepted
    assert Suggestion("x", a.id, Chapter(fr(0, 5)), "src", state="rejected").state == "rejected"


def test_a_new_kind_is_one_registered_class(tmp_path):
    @register_payload
    @dataclass(frozen=True, slots=True)
    class ReframePath(Payload):
        kind: ClassVar[str] = "test_reframe_path"
        range: TimeRange
        aspect: str

        def extent(self) -> TimeRange:
            return self.range

        def to_json(self) -> dict[str, Any]:
            return {"range": self.range.to_json(), "aspect": self.aspect}

        @classmethod
        def from_json(cls, f: Fields) -> Self:
            return cls(f.time_range("range"), f.text("aspect"))

    try:
        a = asset()
        s = Suggestion.new(a.id, ReframePath(fr(0, 10), "9:16"), "reframe")
        project = Project(assets=(a,), suggestions=(s,))
        assert loads(dumps(project)) == project
        with pytest.raises(ValueError, match="already registered"):
            register_payload(type("Other", (ReframePath,), {"kind": "chapter"}))
    finally:
        PAYLOAD_TYPES.pop("test_reframe_path", None)


def test_subtitle_words_and_asset_defaults():
    words = [Word(fr(0, 10), "hello"), Word(fr(12, 25), "world")]
    cue = SubtitleCue(fr(0, 25), "hello world", words)  # type: ignore[arg-type]
    assert isinstance(cue.words, tuple) and cue.words[1].text == "world"
    a = Asset.new("/x/clip.mov", 1, 2)
    assert a.name == "clip.mov"
    assert a.extent() is None
    b = Asset.new("/x/clip.mov", 1, 2, info={"duration": "1001/30", "start": "1/2"})
    assert b.extent() == TimeRange(Time(1, Fraction(1, 2)), Time(1001, Fraction(1, 30)))
    assert Asset.new("/x/c", 1, 2, info={"duration": "nonsense"}).extent() is None
    # probe's JSON: rounded float seconds beside the exact rational; the exact one wins.
    probed = {"duration": 33.366667, "duration_exact": "1001/30", "start_time": 0.0}
    assert Asset.new("/x/c", 1, 2, info=probed).extent() == TimeRange(
        Time(0, 1), Time(1001, Fraction(1, 30))
    )
    with pytest.raises(ValueError):
        Asset.new("/x/c", -1, 2)


# -- project -----------------------------------------------------------------------------------


def test_project_lookups_and_filters():
    a, b = asset("a.mp4"), asset("b.mp4")
    s1 = Suggestion.new(a.id, Chapter(fr(0, 5)), "x")
    s2 = Suggestion("s2", b.id, CutRange(fr(0, 5)), "y", state=ReviewState.ACCEPTED)
    clip = EditClip.new(b.id, fr(0, 10), "s2")
    p = Project(assets=[a, b], suggestions=[s1, s2], edit=[clip], name="Doc")
    assert isinstance(p.assets, tuple)
    assert p.asset(b.id) is b and p.suggestion("s2") is s2 and p.clip(clip.id) is clip
    assert p.find_suggestions(kind="chapter") == (s1,)
    assert p.find_suggestions(kind=CutRange, state="accepted") == (s2,)
    assert p.find_suggestions(asset_id=a.id) == (s1,)
    assert p.clips_of(b.id) == (clip,) and p.clip_index(clip.id) == 0
    with pytest.raises(UnknownIdError, match="no asset with id 'zz'"):
        p.asset("zz")
    with pytest.raises(LookupError):
        p.clip("zz")


def test_project_refuses_duplicate_ids_and_dangling_references():
    a = asset()
    with pytest.raises(ValueError, match=r"assets\[1\]\.id: duplicate id"):
        Project(assets=(a, a))
    orphan = Suggestion.new("missing", Chapter(fr(0, 5)), "x")
    with pytest.raises(ValueError, match=r"suggestions\[0\]\.asset_id: no asset"):
        Project(assets=(a,), suggestions=(orphan,))
    with pytest.raises(ValueError, match=r"edit\[0\]\.suggestion_id: no suggestion"):
        Project(assets=(a,), edit=(EditClip.new(a.id, fr(0, 5), "gone"),))
    with pytest.raises(ValueError, match="empty"):
        EditClip.new(a.id, fr(5, 5))


# -- pure edit functions -----------------------------------------------------------------------


def clip(cid: str, start: int, end: int, asset_id: str = "A", sid: str | None = None) -> EditClip:
    return EditClip(cid, asset_id, fr(start, end), sid)


def counter():
    n = iter(range(1000))
    return lambda: f"n{next(n)}"


def test_cut_splits_a_clip_keeping_the_left_id_and_suggestion():
    edit = (clip("c1", 0, 100, sid="s"), clip("o", 0, 50, asset_id="B"))
    new, removed = cut_from_edit(edit, "A", fr(40, 60), counter())
    assert new == (clip("c1", 0, 40, sid="s"), clip("n0", 60, 100, sid="s"), edit[1])
    assert removed == (fr(40, 60),)
    assert restore_to_edit(new, "A", removed) == edit


@pytest.mark.parametrize(
    ("cut", "expected"),
    [
        (fr(80, 200), [("c1", 0, 80)]),  # tail, cut past the clip's end
        (fr(0, 30), [("c1", 30, 100)]),  # head
        (fr(0, 100), []),  # whole clip
        (fr(200, 300), [("c1", 0, 100)]),  # outside: nothing removed
    ],
)
def test_cut_head_tail_whole_and_restore(cut, expected):
    edit = (clip("c1", 0, 100),)
    new, removed = cut_from_edit(edit, "A", cut, counter())
    assert [(c.id, c.range) for c in new] == [(i, fr(s, e)) for i, s, e in expected]
    restored = restore_to_edit(new, "A", removed, counter())
    assert [c.range for c in restored] == [fr(0, 100)]
    if expected:
        assert restored == edit  # same ids when the clip survived the cut


def test_cut_across_several_clips_and_reordered_edit_restores_exactly():
    edit = (clip("x", 50, 100), clip("b", 0, 10, "B"), clip("y", 0, 40), clip("z", 90, 120))
    new, removed = cut_from_edit(edit, "A", fr(30, 95), counter())
    # A clip that lost only its head or tail keeps its id.
    assert [(c.id, c.range) for c in new] == [
        ("x", fr(95, 100)),
        ("b", fr(0, 10)),
        ("y", fr(0, 30)),
        ("z", fr(95, 120)),
    ]
    assert removed == (fr(50, 95), fr(30, 40), fr(90, 95))
    assert restore_to_edit(new, "A", removed, counter()) == edit


def test_restore_of_a_clip_removed_whole_goes_back_in_source_order():
    edit = (clip("a", 0, 10), clip("b", 20, 30), clip("c", 40, 50))
    new, removed = cut_from_edit(edit, "A", fr(20, 30), counter())
    assert [c.id for c in new] == ["a", "c"]
    restored = restore_to_edit(new, "A", removed, counter())
    assert [(c.id, c.range) for c in restored] == [
        ("a", fr(0, 10)),
        ("n0", fr(20, 30)),
        ("c", fr(40, 50)),
    ]


# -- events ------------------------------------------------------------------------------------


def test_emitter_connect_emit_disconnect_and_type_filter():
    em = EventEmitter()
    seen: list[Event] = []
    changed: list[Event] = []
    em.connect(seen.append)
    em.connect(changed.append, "changed")
    em.connect(changed.append, "changed")  # twice is once
    em.emit("changed", 1)
    em.emit("saved", 2)
    assert [(e.type, e.payload) for e in seen] == [("changed", 1), ("saved", 2)]
    assert changed == [Event("changed", 1)]
    em.disconnect(changed.append, "changed")
    em.emit("changed", 3)
    assert len(changed) == 1 and len(seen) == 3
    with em.blocked():
        em.emit("changed", 4)
    assert len(seen) == 3


def test_a_failing_listener_is_logged_and_the_others_still_run(caplog):
    em = EventEmitter()
    got: list[int] = []

    def broken(event: Event) -> None:
        raise RuntimeError("widget is gone")

    em.connect(broken)
    em.connect(lambda e: got.append(e.payload))
    with caplog.at_level(logging.ERROR):
        em.emit("changed", 7)
    assert got == [7]
    assert "widget is gone" in caplog.text


def test_bound_methods_are_held_weakly():
    class View:
        def __init__(self) -> None:
            self.calls = 0

        def on_event(self, event: Event) -> None:
            self.calls += 1

    em = EventEmitter()
    view = View()
    em.connect(view.on_event)
    em.emit("changed")
    assert view.calls == 1
    del view
    gc.collect()
    assert em.listener_count() == 0
    em.emit("changed")  # no error from the dead reference


def test_core_project_imports_nothing_heavy():
    code = (
        "import sys, vidi_desktop.core.project\n"
        "heavy = {'PySide6', 'av', 'torch', 'numpy', 'cv2', 'transformers'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
