"""Boundary precision/recall/F1 with a frame tolerance and one-to-one matching."""

from __future__ import annotations

import pytest

from vidi_desktop.analysis.metrics import (
    Score,
    hits_in,
    match_boundaries,
    score_boundaries,
    total,
)


def test_exact_cuts_match() -> None:
    s = score_boundaries([(30, 30), (180, 180)], [30, 180])
    assert (s.tp, s.fp, s.fn) == (2, 0, 0)
    assert s.precision == s.recall == s.f1 == 1.0


def test_tolerance_is_plus_minus_n_frames() -> None:
    assert score_boundaries([(30, 30)], [31]).tp == 1
    assert score_boundaries([(30, 30)], [29]).tp == 1
    assert score_boundaries([(30, 30)], [32]).tp == 0
    assert score_boundaries([(30, 30)], [32], tolerance=2).tp == 1
    assert score_boundaries([(30, 30)], [31], tolerance=0).tp == 0


def test_gradual_transition_matches_anywhere_in_its_span_widened() -> None:
    truth = [(529, 558)]
    for frame in (528, 529, 540, 558, 559):
        assert score_boundaries(truth, [frame]).tp == 1, frame
    for frame in (527, 560):
        assert score_boundaries(truth, [frame]).tp == 0, frame


def test_one_detection_counts_for_one_truth_only() -> None:
    # Two cuts a frame apart, one detection between them: one hit, one miss.
    s = score_boundaries([(10, 10), (12, 12)], [11])
    assert (s.tp, s.fp, s.fn) == (1, 0, 1)
    # Two detections on one cut: one hit, one false alarm.
    s = score_boundaries([(10, 10)], [10, 11])
    assert (s.tp, s.fp, s.fn) == (1, 1, 0)


def test_matching_is_maximal_not_greedy_by_detection() -> None:
    """A detection inside a long dissolve could also serve a cut next to it; the matching
    must give each its own when it can (a greedy match by detection order would not)."""
    truth = [(100, 130), (131, 131)]
    m = match_boundaries(truth, [131, 120])
    assert m.score.tp == 2 and not m.missed and not m.spurious
    assert sorted(m.pairs) == [(0, 1), (1, 0)]


def test_matching_reports_what_was_missed_and_spurious() -> None:
    m = match_boundaries([(10, 10), (50, 60), (90, 90)], [11, 70, 90])
    assert m.missed == (1,)
    assert m.spurious == (1,)
    assert m.score == Score(2, 1, 1)


def test_empty_inputs() -> None:
    assert score_boundaries([], []).f1 == 1.0  # nothing to find, nothing reported
    s = score_boundaries([(5, 5)], [])
    assert (s.precision, s.recall, s.f1) == (1.0, 0.0, 0.0)
    s = score_boundaries([], [5])
    assert (s.precision, s.recall, s.f1) == (0.0, 1.0, 0.0)


def test_scores_add_up_across_clips() -> None:
    both = total([Score(3, 1, 0), Score(1, 0, 2)])
    assert both == Score(4, 1, 2)
    assert both.precision == pytest.approx(0.8)
    assert both.recall == pytest.approx(4 / 6)
    assert both.f1 == pytest.approx(2 * 0.8 * (4 / 6) / (0.8 + 4 / 6))
    assert both.as_dict()["tp"] == 4


def test_hits_in_counts_false_alarms_on_decoys() -> None:
    flashes = [(20, 21), (80, 80)]
    assert hits_in(flashes, [19, 50, 81, 82]) == 2


def test_bad_spans_and_tolerance_are_refused() -> None:
    with pytest.raises(ValueError, match="ends before"):
        score_boundaries([(10, 5)], [7])
    with pytest.raises(ValueError, match="tolerance"):
        score_boundaries([(10, 10)], [10], tolerance=-1)
