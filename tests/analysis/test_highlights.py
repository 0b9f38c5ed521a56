"""Highlights: the best windows win, clips start and end at natural points, never mid-word."""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import numpy as np

from vidi_desktop.analysis.highlights import HighlightInputs, Span, find_highlights


def talk(start: int, end: int, sentence_len: int = 5) -> tuple[list[Span], list[Span]]:
    """Sentences of ``sentence_len`` s with 1-s words, separated by 0.5 s pauses."""
    sentences, words = [], []
    t = F(start)
    n = 0
    while t + sentence_len <= end:
        text_words = [f"word{n}_{i}" for i in range(sentence_len)]
        sentences.append(Span(t, t + sentence_len, " ".join(text_words) + "."))
        for i, w in enumerate(text_words):
            words.append(Span(t + i, t + i + F(9, 10), w))
        t += sentence_len + F(1, 2)
        n += 1
    return sentences, words


def test_the_talking_loud_part_wins() -> None:
    sentences, words = talk(60, 100)
    energy = np.full(180, 0.1)
    energy[60:100] = 1.0
    inputs = HighlightInputs(
        start=F(0), duration=F(180),
        speech=[Span(s.start, s.end) for s in sentences],
        sentences=sentences, words=words, energy=energy,
        cuts=[F(20), F(45), F(70), F(90), F(130)],
    )
    (best,) = find_highlights(inputs, 1, target=F(30))
    start, end = best.range.start.seconds, best.range.end_exclusive.seconds
    assert start >= 55 and end <= 105
    assert 15 <= end - start <= 60
    assert best.explanation["speech"] > 0.7 and best.explanation["energy"] > 0.8
    assert best.title.startswith("word")


def test_boundaries_are_natural_and_never_inside_a_word() -> None:
    sentences, words = talk(0, 300, sentence_len=7)
    cuts = [F(k * 13) for k in range(1, 23)]
    rng = np.random.default_rng(0)
    inputs = HighlightInputs(
        start=F(0), duration=F(300), speech=[Span(s.start, s.end) for s in sentences],
        sentences=sentences, words=words, cuts=cuts,
        energy=rng.random(300), motion=rng.random(300), faces=rng.random(300),
    )
    natural = {F(0), F(300), *cuts} | {s.start for s in sentences} | {s.end for s in sentences}
    clips = find_highlights(inputs, 5, target=F(30))
    assert len(clips) == 5
    for c in clips:
        s, e = c.range.start.seconds, c.range.end_exclusive.seconds
        assert s in natural and e in natural
        assert not any(w.start < s < w.end or w.start < e < w.end for w in words)
        assert F(15) <= e - s <= F(60)


def test_clips_do_not_overlap_and_are_ranked() -> None:
    sentences, words = talk(0, 600)
    inputs = HighlightInputs(
        start=F(0), duration=F(600), speech=[Span(s.start, s.end) for s in sentences],
        sentences=sentences, words=words, energy=np.linspace(0, 1, 600),
    )
    clips = find_highlights(inputs, 10, target=F(30))
    assert len(clips) == 10
    scores = [c.score for c in clips]
    assert scores == sorted(scores, reverse=True)
    spans = sorted((c.range.start.seconds, c.range.end_exclusive.seconds) for c in clips)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    # Rising energy: the best clip comes from the end of the recording.
    assert clips[0].range.start.seconds > 450


def test_silent_footage_still_gets_clips_at_cuts_with_a_time_title() -> None:
    inputs = HighlightInputs(start=F(10), duration=F(120), cuts=[F(40), F(70), F(100)],
                             motion=np.r_[np.zeros(60), np.ones(60)])
    clips = find_highlights(inputs, 2, target=F(30))
    # Motion only in the second half (70 s on): both clips come from there.
    assert sorted(c.range.start.seconds for c in clips) == [F(70), F(100)]
    assert all(c.title.startswith("Highlight at") for c in clips)


def test_too_short_footage_gives_nothing() -> None:
    inputs = HighlightInputs(start=F(0), duration=F(5))
    assert find_highlights(inputs, 3, target=F(30)) == []


def test_title_from_keywords_when_no_whole_sentence() -> None:
    text = "the budget budget meeting about the budget and the meeting"
    words = [Span(F(i), F(i) + F(1, 2), w) for i, w in enumerate(text.split())]
    inputs = HighlightInputs(start=F(0), duration=F(40), words=words,
                             speech=[Span(F(0), F(10))])
    (clip,) = find_highlights(inputs, 1, target=F(20), min_length=F(10))
    assert clip.title.startswith("budget")
