"""Suggestion kinds describe themselves: the registry, the ``--kind`` words, the defaults."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Self

import pytest

from vidi_desktop.core.project import (
    PAYLOAD_TYPES,
    Answer,
    Box,
    Chapter,
    CutRange,
    Fields,
    HighlightClip,
    ObjectTube,
    Payload,
    SceneBoundary,
    SubtitleCue,
    register_payload,
)
from vidi_desktop.core.project.kinds import (
    UNKNOWN_COLOR,
    KindInfo,
    count_text,
    kind_aliases,
    kind_info,
    kinds_in_order,
    kinds_with_role,
    resolve_kind_words,
)
from vidi_desktop.core.time import Time, TimeRange

TB = Fraction(1, 25)
SPAN = TimeRange.from_start_end(Time(0, TB), Time(25, TB))


@dataclass(frozen=True, slots=True)
class Plain(Payload):
    """A kind that says nothing about itself."""

    kind: ClassVar[str] = "plain_thing"
    range: TimeRange

    def extent(self) -> TimeRange:
        return self.range

    def to_json(self) -> dict[str, Any]:
        return {"range": self.range.to_json()}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.time_range("range"))


@pytest.fixture
def plain() -> Iterator[type[Plain]]:
    register_payload(Plain)
    yield Plain
    PAYLOAD_TYPES.pop(Plain.kind)


def test_every_built_in_kind_describes_itself() -> None:
    undescribed = [k for k, cls in PAYLOAD_TYPES.items() if not isinstance(cls.info, KindInfo)]
    assert undescribed == []


def test_kind_words_have_one_meaning_each() -> None:
    # "speech", "silences" and "cuts" are no longer aliases of each other (issue 15):
    # speech ranges are their own kind, silence cuts theirs; "cuts" is every kind that cuts.
    assert kind_aliases() == {
        "shots": ("scene_boundary",), "scenes": ("scene_boundary",),
        "chapters": ("chapter",), "highlights": ("highlight_clip",),
        "cuts": ("cut_range", "silence_cut"), "cut": ("cut_range", "silence_cut"),
        "silences": ("silence_cut",), "silence": ("silence_cut",),
        "talk": ("speech",), "voice": ("speech",),
        "subtitles": ("subtitle_cue",), "answers": ("answer",), "reframe": ("reframe_path",),
        "tubes": ("object_tube",), "objects": ("object_tube",), "faces": ("object_tube",),
        "people": ("object_tube",),
    }


@pytest.mark.parametrize("word, kinds", [
    ("silence", ("silence_cut",)), ("silences", ("silence_cut",)),
    ("Silence-Cuts", ("silence_cut",)), ("speech", ("speech",)),
    ("speech ranges", ("speech",)), ("shot", ("scene_boundary",)),
    ("scenes", ("scene_boundary",)), ("scene boundaries", ("scene_boundary",)),
    ("highlight", ("highlight_clip",)), ("subtitle", ("subtitle_cue",)),
    ("cut", ("cut_range", "silence_cut")), ("cut_ranges", ("cut_range",)),
    ("face", ("object_tube",)), ("answer", ("answer",)), ("reframes", ("reframe_path",)),
])
def test_a_kind_is_typed_singular_or_plural(word: str, kinds: tuple[str, ...]) -> None:
    assert resolve_kind_words([word]) == kinds


def test_words_resolve_once_each_in_the_order_given() -> None:
    assert resolve_kind_words(["Faces", "object-tube", "shots", "cut_range", "silences"]) == (
        "object_tube", "scene_boundary", "cut_range", "silence_cut"
    )


def test_an_unknown_word_names_every_word_accepted() -> None:
    with pytest.raises(ValueError, match="unknown kind 'explosions'") as err:
        resolve_kind_words(["explosions"])
    listed = str(err.value).split("known: ")[1].split(";")[0].split(", ")
    assert listed == sorted(set(PAYLOAD_TYPES) | set(kind_aliases()))


@pytest.mark.parametrize("n, kind, text", [
    (1, "scene_boundary", "1 scene boundary"), (7, "scene_boundary", "7 scene boundaries"),
    (1, "silence_cut", "1 silence cut"), (0, "highlight_clip", "0 highlights"),
    (2, "speech", "2 speech ranges"), (1, "cut_range", "1 cut range"),
])
def test_counts_read_singular_or_plural(n: int, kind: str, text: str) -> None:
    assert count_text(n, kind) == text


def test_edit_roles_sort_the_kinds() -> None:
    assert kinds_with_role("keep", "cut") == {"cut_range", "silence_cut", "highlight_clip"}
    assert kinds_with_role("marker") == {
        "scene_boundary", "chapter", "object_tube", "answer", "subtitle_cue", "speech"
    }
    assert kinds_with_role("information") == {"reframe_path"}


def test_a_kind_that_says_nothing_shows_by_its_name_in_grey_last(plain: type[Plain]) -> None:
    info = kind_info("plain_thing")
    assert (info.plural, info.look().label, info.look().singular, info.look().color) == (
        "Plain thing", "Plain thing", "plain thing", UNKNOWN_COLOR
    )
    assert (info.role, info.aliases, info.marker_color) == ("information", (), "RED")
    assert kinds_in_order()[-1] == "plain_thing"
    assert plain(SPAN).marker_name() == "plain_thing"
    assert resolve_kind_words(["plain-thing"]) == ("plain_thing",)


@pytest.mark.parametrize("payload, name", [
    (SceneBoundary(Time(5, TB)), "Shot cut"),
    (SceneBoundary(Time(5, TB), "dip_to_black", Time(3, TB)), "Shot"),
    (SceneBoundary(Time(5, TB), "other"), "Shot"),
    (Chapter(SPAN), "Chapter"),
    (Chapter(SPAN, "Intro"), "Intro"),
    (HighlightClip(SPAN), "Highlight"),
    (ObjectTube("", (Box(0, 0, 0, 1, 1),)), "Object"),
    (Answer("  "), "Answer"),
    (Answer("two\n people " * 10), " ".join(["two", "people"] * 10)[:60]),
    (SubtitleCue(SPAN, "hello\nthere"), "hello there"),
    (CutRange(SPAN, "keep"), "Keep"),
    (CutRange(SPAN), "Cut"),
], ids=lambda v: getattr(v, "kind", ""))
def test_marker_names_fall_back_to_the_kinds_word(payload: Payload, name: str) -> None:
    assert payload.marker_name() == name
