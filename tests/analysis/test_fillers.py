"""Filler words, repeats and word-span cuts on transcripts built by hand (no Qt, no model)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vidi_desktop.analysis.fillers import (
    bare,
    find_fillers,
    span_cut,
    word_cut_suggestions,
)
from vidi_desktop.core.project.model import CutRange, ReviewState, Word
from vidi_desktop.core.time import Time, TimeRange

MS = Fraction(1, 1000)


def ms(a: int, b: int) -> TimeRange:
    return TimeRange(Time(a, MS), Time(b - a, MS))


def words(*spec: tuple[str, int, int]) -> list[Word]:
    return [Word(ms(a, b), text) for text, a, b in spec]


# "So um I think the the plan is, like, uh fine. It was very, very good."
SPEECH = words(
    ("So", 0, 200),
    ("um", 300, 600),
    ("I", 700, 800),
    ("think", 800, 1100),
    ("the", 1200, 1300),
    ("the", 1500, 1600),
    ("plan", 1600, 1900),
    ("is,", 1900, 2100),
    ("like,", 2200, 2400),
    ("uh", 2450, 2700),
    ("fine.", 2800, 3200),
    ("It", 3500, 3600),
    ("was", 3600, 3800),
    ("very,", 3800, 4100),
    ("very", 4150, 4400),
    ("good.", 4400, 4800),
)


def test_fillers_and_repeats_found_with_exact_ranges() -> None:
    cuts = find_fillers(SPEECH)
    found = [(c.kind, c.text, c.range) for c in cuts]
    assert found == [
        ("filler", "um", ms(300, 600)),
        # The first "the" and the pause up to the second one go; the second stays.
        ("repeat", "the the", ms(1200, 1500)),
        # "like," set apart by commas and the "uh" right after merge into one cut.
        ("filler", "like, uh", ms(2200, 2700)),
    ]
    assert (cuts[0].first, cuts[0].last) == (1, 1)
    assert (cuts[2].first, cuts[2].last) == (8, 9)


def test_emphasis_with_a_comma_is_not_a_stutter() -> None:
    # "very, very" is meant: the comma after the first says so.
    assert not any("very" in c.text for c in find_fillers(SPEECH))


def test_like_as_a_verb_stays_and_can_be_switched_off() -> None:
    plain = words(("I", 0, 100), ("like", 100, 400), ("it", 400, 500))
    assert find_fillers(plain) == []
    apart = words(("it", 0, 100), ("was,", 100, 300), ("like,", 300, 500), ("huge", 600, 900))
    assert [c.text for c in find_fillers(apart)] == ["like,"]
    assert find_fillers(apart, like=False) == []


def test_triple_repeat_keeps_only_the_last_saying() -> None:
    ws = words(("I", 0, 100), ("I", 200, 300), ("I", 450, 550), ("know", 600, 900))
    (cut,) = find_fillers(ws)
    assert cut.kind == "repeat"
    assert cut.range == ms(0, 450)
    assert (cut.first, cut.last) == (0, 1)


def test_case_and_punctuation_do_not_hide_a_filler_or_a_repeat() -> None:
    ws = words(("Um,", 0, 200), ("The", 300, 400), ("the", 450, 550), ("end.", 600, 900))
    assert [(c.kind, c.range) for c in find_fillers(ws)] == [
        ("filler", ms(0, 200)),
        ("repeat", ms(300, 450)),
    ]
    assert bare("“Uh…”") == "uh"


def test_repeated_fillers_are_one_filler_cut() -> None:
    ws = words(("um", 0, 200), ("um", 300, 500), ("yes", 600, 800))
    assert [(c.kind, c.range) for c in find_fillers(ws)] == [("filler", ms(0, 500))]


def test_span_cut_is_exact_word_edges_without_a_grid() -> None:
    cut = span_cut(SPEECH, 2, 3)  # "I think"
    assert cut.range == ms(700, 1100)
    assert cut.text == "I think"
    assert cut.kind == "selection"


def test_span_cut_snaps_into_the_pauses_only() -> None:
    rate = Fraction(25)
    fd = 1 / rate  # 40 ms frames from 0
    # "plan is," spans 1600..2100; previous word ends at 1600 (no pause), next starts 2200.
    cut = span_cut(SPEECH, 6, 7, frame_origin=Fraction(0), frame_duration=fd)
    # 1600 is a frame boundary already; the end moves from 2100 to the next boundary 2120,
    # which is still before "like," at 2200.
    assert cut.range.start.seconds == Fraction(1600, 1000)
    assert cut.range.end_exclusive.seconds == Fraction(2120, 1000)
    # Off-grid words with no room: "was" 3610..3790 between words touching both sides.
    tight = words(("a", 3500, 3610), ("was", 3610, 3790), ("b", 3790, 3900))
    cut = span_cut(tight, 1, 1, frame_origin=Fraction(0), frame_duration=fd)
    assert cut.range == ms(3610, 3790)  # no boundary in either pause: exact word edges


def test_span_cut_never_clips_a_kept_word_at_ntsc() -> None:
    fd = Fraction(1001, 30000)
    origin = Fraction(1, 100)  # a file whose first frame is at 10 ms
    ws = words(("one", 1000, 1300), ("two", 1337, 1700), ("three", 1750, 2000))
    cut = span_cut(ws, 1, 1, frame_origin=origin, frame_duration=fd)
    start, end = cut.range.start.seconds, cut.range.end_exclusive.seconds
    assert Fraction(1300, 1000) <= start <= Fraction(1337, 1000)
    assert Fraction(1700, 1000) <= end <= Fraction(1750, 1000)
    assert ((start - origin) / fd).denominator == 1
    assert ((end - origin) / fd).denominator == 1


def test_span_cut_refuses_a_bad_span() -> None:
    with pytest.raises(IndexError):
        span_cut(SPEECH, 3, 2)
    with pytest.raises(IndexError):
        span_cut(SPEECH, 0, len(SPEECH))


def test_suggestions_are_pending_cuts_with_the_words_as_label() -> None:
    cuts = find_fillers(SPEECH)
    (first, *_rest) = word_cut_suggestions("a1", cuts, "transcript.fillers")
    assert isinstance(first.payload, CutRange)
    assert first.payload.action == "cut"
    assert first.payload.range == ms(300, 600)
    assert first.state is ReviewState.PENDING
    assert first.source == "transcript.fillers"
    assert "um" in first.label
