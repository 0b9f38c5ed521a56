"""Issue 16.3: the three-way project merge a save makes when another writer saved first."""

from __future__ import annotations

from fractions import Fraction

from vidi_desktop.core.project import (
    Asset,
    CutRange,
    EditClip,
    Project,
    ReviewState,
    Suggestion,
)
from vidi_desktop.core.project.merge import merge_projects
from vidi_desktop.core.time import TimeRange

R = Fraction(25)


def _asset(name: str) -> Asset:
    return Asset.new(f"/footage/{name}", 10, 1, info={"duration": 10})


def _cut(asset: Asset, first: int, end: int) -> Suggestion:
    return Suggestion.new(asset.id, CutRange(TimeRange.from_frames(first, end, R)), "test")


def _base() -> tuple[Project, Asset, Suggestion]:
    a = _asset("a.mp4")
    s = _cut(a, 0, 10)
    return Project(assets=(a,), suggestions=(s,), name="film"), a, s


def test_additions_on_both_sides_are_kept() -> None:
    base, a, _ = _base()
    b, c = _asset("b.mp4"), _asset("c.mp4")
    mine = base.replace(assets=(*base.assets, b))
    theirs = base.replace(assets=(*base.assets, c))
    merged = merge_projects(base, mine, theirs)
    assert [x.id for x in merged.assets] == [a.id, c.id, b.id]


def test_my_review_and_their_new_suggestion_both_survive() -> None:
    base, a, s = _base()
    mine = base.replace(suggestions=(s.replace(state=ReviewState.ACCEPTED),))
    new = _cut(a, 20, 30)
    theirs = base.replace(suggestions=(s, new))
    merged = merge_projects(base, mine, theirs)
    assert merged.suggestion(s.id).state == ReviewState.ACCEPTED
    assert merged.has_suggestion(new.id)


def test_what_i_removed_goes_unless_they_changed_it() -> None:
    base, a, s = _base()
    other = _cut(a, 40, 50)
    base = base.replace(suggestions=(s, other))
    mine = base.replace(suggestions=())
    theirs = base.replace(suggestions=(s, other.replace(label="kept by them")))
    merged = merge_projects(base, mine, theirs)
    assert not merged.has_suggestion(s.id)
    assert merged.suggestion(other.id).label == "kept by them"


def test_an_asset_i_removed_stays_when_their_suggestion_needs_it() -> None:
    base, a, s = _base()
    mine = Project(name="film", created=base.created)
    theirs = base.replace(suggestions=(s, _cut(a, 60, 70)))
    merged = merge_projects(base, mine, theirs)
    assert merged.has_asset(a.id) and len(merged.suggestions) == 1


def test_my_edit_wins_and_dangling_links_are_dropped() -> None:
    base, a, s = _base()
    clip = EditClip.new(a.id, TimeRange.from_frames(0, 10, R), s.id)
    mine = base.replace(edit=(clip,))
    theirs = base.replace(suggestions=(), name="renamed by them")
    merged = merge_projects(base, mine, theirs)
    assert merged.edit[0].suggestion_id is None and merged.edit[0].range == clip.range
    assert merged.name == "renamed by them"  # I did not rename: theirs


def test_no_base_means_everything_mine_is_an_addition() -> None:
    a, b = _asset("a.mp4"), _asset("b.mp4")
    merged = merge_projects(None, Project(assets=(a,)), Project(assets=(b,)))
    assert {x.id for x in merged.assets} == {a.id, b.id}
