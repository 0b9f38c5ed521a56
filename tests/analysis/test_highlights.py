"""Highlights as short-clip tools make them, checked on a talk spoken by espeak-ng whose
sentences, pauses and topics are known: the length asked (±15 %), whole sentences, no long
silence inside, as many clips as fit, ranked with the score's parts, titled with a key
phrase. A few checks on plain spans cover footage without speech."""

from __future__ import annotations

import itertools
import shutil
from fractions import Fraction as F
from typing import Any

import numpy as np
import pytest

from vidi_desktop.analysis.highlights import (
    MAX_PAUSE,
    WEIGHTS,
    Highlight,
    HighlightInputs,
    Span,
    find_highlights,
    highlight_suggestions,
)

TOPICS = [
    [
        "Honey bees live in large colonies with a single queen.",
        "A worker bee visits hundreds of flowers every day.",
        "The waggle dance tells the other bees | where the flowers are.",
        "Bees turn nectar into honey by drying it with their wings.",
        "In winter the bees cluster together to keep the queen warm.",
    ],
    [
        "A volcano is an opening where melted rock reaches the surface.",
        "Magma collects in a chamber deep beneath the mountain.",
        "When the pressure grows, lava bursts out through the vent.",
        "Volcanic ash can travel around the world.",
        "Scientists measure the gases to warn towns before an eruption.",
    ],
    [
        "Bread needs only flour, water, salt and yeast.",
        "Yeast eats the sugars in the flour and makes bubbles of gas.",
        "Kneading the dough builds gluten that traps the bubbles.",
        "A very hot oven makes the crust brown and crisp.",
        "Sourdough uses wild yeast instead of yeast from a packet.",
    ],
]
PAUSES = [0.4, 1.8, 0.5, 0.9]  # between sentences, in turn; 2.5 s between topics
SLACK = 0.25  # Whisper's and the voice detector's edges are good to about this
# The talk's analysis (voice activity + Whisper on ~80 s) runs once for the module; on a
# loaded two-core machine it can take minutes, more than the suite's default timeout.
pytestmark = pytest.mark.timeout(1200)


@pytest.fixture(scope="module")
def talk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, HighlightInputs]:
    """The spoken talk's truth and the highlight finder's inputs from the real analysis."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng")
    from vidi_desktop.analysis.highlight_inputs import highlight_inputs
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import analyze_file
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.media.probe import probe
    from vidi_desktop.media.synth_talk import speak_talk, write_talk_clip

    truth = speak_talk(TOPICS, PAUSES, topic_pause=2.5, hesitation=1.2)
    path = write_talk_clip(tmp_path_factory.mktemp("talk") / "talk.mp4", truth)
    info = probe(path)
    a = analyze_file(path, AnalyzeOptions(speech=True, subtitles=True), JobContext(), info)
    inputs = highlight_inputs(info, shots=a.shots, speech=a.speech, transcript=a.transcript,
                              audio=a.audio)
    return truth, inputs


def played(h: Highlight) -> list[tuple[float, float]]:
    return [(float(r.start.seconds), float(r.end_exclusive.seconds))
            for r in (h.parts or (h.range,))]


def length(h: Highlight) -> float:
    return sum(b - a for a, b in played(h))


def longest_silence(h: Highlight, voiced: list[tuple[float, float]]) -> float:
    """The longest stretch without voice a viewer sees, pauses either side of a cut added."""
    timeline: list[tuple[float, float]] = []  # voice on the clip's own timeline
    offset = 0.0
    for a, b in played(h):
        timeline += [(offset + max(a, va) - a, offset + min(b, vb) - a)
                     for va, vb in voiced if va < b and vb > a]
        offset += b - a
    edges = [0.0] + [x for span in timeline for x in span] + [offset]
    return max(edges[k + 1] - edges[k] for k in range(0, len(edges), 2))


# -- on the spoken talk --------------------------------------------------------------------------
def test_each_clip_plays_the_length_asked_within_15_percent(talk) -> None:
    _, inputs = talk
    clips = find_highlights(inputs, 3, target=F(15))
    assert len(clips) == 3
    for h in clips:
        assert 15 * 0.85 <= length(h) <= 15 * 1.15, (h.range, length(h))
        assert h.details["within_tolerance"] is True
        assert h.details["length"] == pytest.approx(length(h), abs=0.01)


def test_clips_start_and_end_between_sentences(talk) -> None:
    truth, inputs = talk
    starts = [s.start for s in truth.sentences]
    ends = [s.end for s in truth.sentences]
    for h in find_highlights(inputs, 4, target=F(12)):
        first, last = played(h)[0][0], played(h)[-1][1]
        # In the pause before a sentence (or its first instant), never inside one.
        k = min(range(len(starts)), key=lambda i: abs(starts[i] - first))
        assert (ends[k - 1] if k else 0.0) - 0.05 <= first <= starts[k] + SLACK, h.title
        k = min(range(len(ends)), key=lambda i: abs(ends[i] - last))
        assert ends[k] - SLACK <= last <= (starts[k + 1] if k + 1 < len(starts) else 1e9)
        # (Its details may say "clauses" where Whisper ran two sentences into one with a
        # comma: what counts is the spoken truth above.)


def test_silences_longer_than_the_limit_are_cut_out(talk) -> None:
    truth, inputs = talk
    voiced = truth.voiced()
    clips = find_highlights(inputs, 3, target=F(20))
    assert clips
    for h in clips:
        # 0.7 s limit, plus the detectors' edge error on both sides of a pause.
        assert longest_silence(h, voiced) <= float(MAX_PAUSE) + 2 * SLACK, h.title
    # The talk's 1.8 s pauses and 1.2 s hesitation fall inside some clip: cut out there.
    assert any(len(h.parts) > 1 and h.details["silence_removed"] > 1 for h in clips)


def test_as_many_clips_as_asked_when_they_fit(talk) -> None:
    truth, inputs = talk
    speech = sum(b - a for a, b in truth.voiced())
    count = int(speech // 10) - 1  # ten-second clips the talk can hold, with room to spare
    clips = find_highlights(inputs, count, target=F(10))
    assert len(clips) == count
    spans = sorted((h.range.start, h.range.end_exclusive) for h in clips)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    assert all(h.details["within_tolerance"] for h in clips)


def test_clips_are_ranked_by_a_score_whose_parts_are_kept(talk) -> None:
    _, inputs = talk
    clips = find_highlights(inputs, 5, target=F(10))
    # Those of the length asked first, then shorter ones; each group by score.
    order = [(not h.details["within_tolerance"], -h.score) for h in clips]
    assert order == sorted(order)
    for h in clips:
        assert set(h.explanation) == set(WEIGHTS)
        weighted = sum(WEIGHTS[k] * v for k, v in h.explanation.items())
        assert h.score == pytest.approx(weighted, abs=0.01)


def test_too_little_speech_gives_a_shorter_clip_that_says_why(talk) -> None:
    truth, inputs = talk
    speech = sum(b - a for a, b in truth.voiced())
    asked = F(round(speech * 1.4))  # more than the talk holds, less than twice it
    (h,) = find_highlights(inputs, 2, target=asked)
    assert asked / 2 <= length(h) < asked * F(85, 100)
    assert h.details["within_tolerance"] is False
    assert "holds only" in h.details["note"] and "of speech" in h.details["note"]
    meta = highlight_suggestions("a1", [h])[0].metadata["vidi"]
    assert meta["note"] == h.details["note"] and meta["within_tolerance"] is False


def test_titles_are_a_key_phrase_from_the_clip(talk) -> None:
    _, inputs = talk
    for h in find_highlights(inputs, 3, target=F(15)):
        a, b = h.range.start.seconds, h.range.end_exclusive.seconds
        said = " ".join(w.text for w in inputs.words if a <= w.start < b).lower()
        words = h.title.lower().split()
        assert 1 <= len(words) <= 3 and "," not in h.title and "·" not in h.title
        assert all(w in said for w in words), (h.title, said)


def test_titles_tell_the_clips_apart(talk) -> None:
    _, inputs = talk
    titles = [h.title for h in find_highlights(inputs, 4, target=F(12))]
    assert len(titles) == 4 and len(set(titles)) == 4, titles


def test_accepting_a_highlight_keeps_the_ranges_it_plays(talk) -> None:
    from vidi_desktop.core.project import Asset, Project, ProjectDocument

    _, inputs = talk
    h = next(h for h in find_highlights(inputs, 3, target=F(20)) if len(h.parts) > 1)
    (s,) = highlight_suggestions("a1", [h])
    doc = ProjectDocument(Project(assets=(Asset("a1", "/talk.mp4", 1, 1),), suggestions=(s,)))
    doc.accept([s.id])
    assert tuple(c.range for c in doc.project.edit) == h.parts
    doc.reject([s.id])
    assert doc.project.edit == ()


# -- on plain spans ------------------------------------------------------------------------------
def test_footage_without_speech_is_cut_at_shots_at_the_length_asked() -> None:
    inputs = HighlightInputs(start=F(10), duration=F(120), cuts=[F(40), F(70), F(100)],
                             motion=np.r_[np.zeros(60), np.ones(60)])
    clips = find_highlights(inputs, 2, target=F(30))
    # Motion only in the second half (70 s on): both clips come from there, at the cuts.
    assert sorted((c.range.start.seconds, c.range.end_exclusive.seconds) for c in clips) == [
        (F(70), F(100)), (F(100), F(130))
    ]
    assert all(c.title.startswith("Highlight at") and c.details["bounded_by"] == "shots"
               for c in clips)


def test_too_short_footage_gives_nothing() -> None:
    inputs = HighlightInputs(start=F(0), duration=F(5))
    assert find_highlights(inputs, 3, target=F(30)) == []


def test_a_sentence_longer_than_the_clip_is_split_at_its_clause() -> None:
    # One 24-word sentence over 24 s, a comma after word 12; a 12-second clip asked.
    words = [Span(F(i), F(i) + F(9, 10), f"w{i}{',' if i == 11 else ''}") for i in range(24)]
    inputs = HighlightInputs(
        start=F(0), duration=F(30), words=words, speech=[Span(F(0), F(24))],
        sentences=[Span(F(0), F(24) - F(1, 10), " ".join(w.text for w in words) + ".")],
    )
    clips = find_highlights(inputs, 2, target=F(12))
    assert len(clips) == 2
    assert sorted(float(c.range.start.seconds) for c in clips)[1] >= 11.9  # at the comma
    assert {c.details["bounded_by"] for c in clips} == {"clauses"}


def test_highlight_ranges_are_frame_exact_in_the_time_base_asked() -> None:
    words = [Span(F(i, 3), F(i, 3) + F(1, 4), f"w{i}") for i in range(60)]
    inputs = HighlightInputs(start=F(0), duration=F(25), words=words,
                             speech=[Span(F(0), F(20))],
                             sentences=[Span(F(0), F(20) - F(1, 12), "a long sentence.")])
    tb = F(1001, 30000)
    for c in find_highlights(inputs, 1, target=F(10), max_length=F(30), time_base=tb):
        for r in (c.range, *c.parts):
            assert r.time_base == tb


def test_clips_about_different_things_beat_two_on_one_topic() -> None:
    """Two topics, the first louder: the two clips asked come one from each."""
    sentences, words = [], []
    t = F(1)
    for topic, vocabulary in ((0, "honey bees hive queen"), (1, "volcano lava magma ash")):
        for n in range(8):
            text = [*vocabulary.split(), f"fact{topic}{n}"]
            for i, w in enumerate(text):
                words.append(Span(t + i * F(1, 2), t + i * F(1, 2) + F(2, 5), w))
            sentences.append(Span(t, t + len(text) * F(1, 2), " ".join(text) + "."))
            t += len(text) * F(1, 2) + F(1, 2)
        t += 3
    energy = np.r_[np.full(int(t) // 2, 1.0), np.full(int(t) - int(t) // 2 + 2, 0.5)]
    inputs = HighlightInputs(start=F(0), duration=t + 1, sentences=sentences, words=words,
                             speech=[Span(s.start, s.end) for s in sentences], energy=energy)
    clips = find_highlights(inputs, 2, target=F(12))
    first_topic = {c.range.end_exclusive.seconds < t / 2 for c in clips}  # bees, else lava
    assert len(clips) == 2 and first_topic == {True, False}, [c.title for c in clips]
