"""Snap targets for trims: shot boundaries, word edges, silence edges; the nearest within a
tolerance."""

from __future__ import annotations

from fractions import Fraction

from vidi_desktop.core.project import (
    Asset,
    Chapter,
    CutRange,
    Project,
    ReviewState,
    SceneBoundary,
    SilenceCut,
    SpeechRange,
    SubtitleCue,
    Suggestion,
    Word,
)
from vidi_desktop.core.project.snapping import SnapIndex, SnapTarget, snap_targets
from vidi_desktop.core.time import Time, TimeRange

MS = Fraction(1, 1000)


def ms(a: int, b: int) -> TimeRange:
    return TimeRange(Time(a, MS), Time(b - a, MS))


def s(sid: str, payload, state: ReviewState = ReviewState.PENDING, asset: str = "A"):
    return Suggestion(sid, asset, payload, "test", state=state)


def project(*suggestions: Suggestion) -> Project:
    assets = (Asset("A", "/a.mp4", 1, 1), Asset("B", "/b.mp4", 1, 1))
    return Project(assets=assets, suggestions=suggestions)


def seconds(targets: list[SnapTarget], what: str) -> list[Fraction]:
    return [t.seconds for t in targets if t.what == what]


def test_shots_words_and_silences_give_their_edges():
    p = project(
        s("cut", SceneBoundary(Time(1000, MS))),
        s("fade", SceneBoundary(Time(3000, MS), "fade_out", Time(500, MS))),
        s("no", SceneBoundary(Time(5000, MS)), ReviewState.REJECTED),
        s("cue", SubtitleCue(ms(100, 900), "a b", (Word(ms(100, 400), "a"),
                                                    Word(ms(500, 900), "b"))),
          ReviewState.REJECTED),  # its words were still said
        s("bare", SubtitleCue(ms(6000, 6500), "no word timings")),
        s("sil", SilenceCut(ms(1200, 1800)), ReviewState.ACCEPTED),
        s("talk", SpeechRange(ms(2000, 2600))),
        s("chap", Chapter(ms(0, 9000), "not a target")),
        s("other", CutRange(ms(7000, 7100))),
        s("elsewhere", SceneBoundary(Time(4000, MS)), asset="B"),
    )
    targets = snap_targets(p, "A")
    assert seconds(targets, "shot") == [1, Fraction(3), Fraction(7, 2)]
    assert seconds(targets, "word") == [Fraction(1, 10), Fraction(2, 5), Fraction(1, 2),
                                        Fraction(9, 10), 6, Fraction(13, 2)]
    assert seconds(targets, "silence") == [Fraction(6, 5), Fraction(9, 5), 2, Fraction(13, 5)]
    assert [t.seconds for t in targets] == sorted(t.seconds for t in targets)


def test_the_suggestion_being_trimmed_is_left_out():
    p = project(s("sil", SilenceCut(ms(1200, 1800))), s("talk", SpeechRange(ms(2000, 2600))))
    assert seconds(snap_targets(p, "A", exclude=["sil"]), "silence") == [2, Fraction(13, 5)]


def test_the_nearest_target_within_the_tolerance_wins():
    index = SnapIndex([SnapTarget.at(1, "shot"), SnapTarget.at(2, "word")])
    assert index.nearest(1.7, 0.5) == SnapTarget.at(2, "word")
    assert index.nearest(1.2, 0.5) == SnapTarget.at(1, "shot")
    assert index.nearest(1.5, 0.5) == SnapTarget.at(1, "shot")  # a tie: the earlier
    assert index.nearest(1.5, 0.4) is None
    assert index.nearest(0.0, 1.0) == SnapTarget.at(1, "shot")
    assert index.nearest(9.0, 1.0) is None
    assert SnapIndex([]).nearest(1.0, 10.0) is None
