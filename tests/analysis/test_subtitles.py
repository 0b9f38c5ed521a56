"""Subtitle cues: reading limits, sentence/pause/cut splits, word-synced times."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.analysis.subtitles import (
    Cue,
    SubtitleSettingsError,
    cues_json,
    make_cues,
    subtitle_suggestions,
)
from vidi_desktop.analysis.transcript import Transcript, TranscriptWord
from vidi_desktop.core.project.model import SubtitleCue
from vidi_desktop.core.time import Time, TimeRange

MS = Fraction(1, 1000)


def ms(n: int) -> Time:
    return Time(n, MS)


def words_at(*items: tuple[str, int, int]) -> list[TranscriptWord]:
    """Words from ``(text, start_ms, end_ms)``."""
    return [TranscriptWord(TimeRange.from_start_end(ms(a), ms(b)), t, 0.9) for t, a, b in items]


def speak_evenly(text: str, start_ms: int = 0, word_ms: int = 300, gap_ms: int = 50) -> list:
    """Each word ``word_ms`` long, ``gap_ms`` apart (about 2.9 words a second)."""
    out = []
    t = start_ms
    for w in text.split():
        out.append((w, t, t + word_ms))
        t += word_ms + gap_ms
    return words_at(*out)


LONG_TEXT = (
    "editors spend hours scrubbing through interviews looking for the moment a guest finally "
    "says something worth keeping and most of that time goes into listening to pauses false "
    "starts and the long silence while someone thinks about the question so a tool that "
    "finds the speech and drops the rest saves a real afternoon every week"
)


def check_limits(
    cues: list[Cue], chars: int = 42, lines: int = 2, cuts: Sequence[Time] = ()
) -> None:
    for i, cue in enumerate(cues):
        assert 1 <= len(cue.lines) <= lines
        for line in cue.lines:
            assert len(line) <= chars or " " not in line  # only a lone word may be longer
        assert cue.range.duration.seconds <= 7
        if cue.range.duration.seconds < 1:
            # Only when no free time is left either side: the neighbouring cue, or a shot cut
            # (a cue never crosses one), bounds it on each side.
            before = cue.range.start in cuts or (
                i > 0 and cues[i - 1].range.end_exclusive == cue.range.start)
            after = cue.range.end_exclusive in cuts or (
                i + 1 < len(cues) and cues[i + 1].range.start == cue.range.end_exclusive)
            assert before and after, (i, cue)
    for a, b in itertools.pairwise(cues):
        assert a.range.end_exclusive <= b.range.start


def test_long_run_on_speech_obeys_every_limit_and_keeps_every_word() -> None:
    words = speak_evenly(LONG_TEXT)
    cues = make_cues(words)
    check_limits(cues)
    assert all(c.range.duration.seconds >= 1 for c in cues)
    assert len(cues) > 3
    # Never a split inside a word: the cues' words are the transcript's, in order.
    assert [w for c in cues for w in c.words] == words
    assert " ".join(c.text.replace("\n", " ") for c in cues) == LONG_TEXT


def test_cues_start_and_end_with_their_words() -> None:
    cues = make_cues(speak_evenly(LONG_TEXT))
    for a, b in itertools.pairwise(cues):
        assert a.range.start == a.words[0].range.start
        # Speech runs on, so a cue ends with its last word (the next one starts 50 ms later).
        assert a.range.end_exclusive == a.words[-1].range.end_exclusive
        assert b.range.start == b.words[0].range.start


def test_sentence_ends_split_cues() -> None:
    cues = make_cues(words_at(("Hello", 0, 400), ("there.", 450, 900), ("How", 950, 1200),
                              ("are", 1250, 1400), ("you?", 1450, 1800)))  # fmt: skip
    assert [c.text for c in cues] == ["Hello there.", "How are you?"]


def test_a_pause_splits_cues() -> None:
    cues = make_cues(words_at(("so", 0, 300), ("anyway", 350, 800), ("we", 2000, 2200),
                              ("start", 2250, 2600)))  # fmt: skip
    assert [c.text for c in cues] == ["so anyway", "we start"]
    assert make_cues(cues[0].words + cues[1].words, pause=2)[0].text == "so anyway we start"


def test_a_cue_never_crosses_a_shot_cut() -> None:
    words = speak_evenly(LONG_TEXT)
    cuts = [ms(2_000), ms(5_330), ms(9_000)]  # 5.33 s falls inside a word (5250–5550)
    cues = make_cues(words, shot_cuts=cuts)
    for cue in cues:
        assert not any(cue.range.start < c < cue.range.end_exclusive for c in cuts)
    # The word straddling 5.33 s belongs to the side holding most of it (the later one),
    # and its cue begins exactly at the cut.
    straddler = next(w for w in words if w.range.start < ms(5_330) < w.range.end_exclusive)
    holder = next(c for c in cues if straddler in c.words)
    assert holder.words[0] is straddler and holder.range.start == ms(5_330)


def test_short_cues_are_held_for_the_minimum_duration_into_silence() -> None:
    cues = make_cues(words_at(("Hi.", 1_000, 1_200), ("Next", 5_000, 5_400)))
    assert cues[0].range == TimeRange.from_start_end(ms(1_000), ms(2_000))


def test_holding_stops_at_the_next_cue_and_then_starts_earlier() -> None:
    cues = make_cues(words_at(("Hi.", 1_000, 1_200), ("Next", 1_500, 1_900)))
    assert cues[0].range.end_exclusive == ms(1_500)
    assert cues[0].range.start == ms(500)  # one second in all, begun in the silence before


def test_reading_speed_holds_a_dense_cue_longer() -> None:
    text = "Quickly spoken words fill this line."  # 36 characters said in 1.2 s
    words = words_at(*[(w, 1000 + i * 200, 1000 + i * 200 + 180)
                       for i, w in enumerate(text.split())])  # fmt: skip
    (cue,) = make_cues(words, max_cps=20)
    assert cue.range.duration == ms(1_800)  # 36 / 20 = 1.8 s
    (relaxed,) = make_cues(words, max_cps=30)
    assert relaxed.range.duration == ms(1_200)  # 1.2 s is the 1 s minimum… and the speech


def test_slow_speech_is_split_below_the_maximum_duration() -> None:
    words = speak_evenly("one two three four five six seven eight", word_ms=900, gap_ms=100)
    cues = make_cues(words)
    assert len(cues) == 2
    assert all(c.range.duration.seconds <= 7 for c in cues)


def test_a_word_longer_than_a_line_stands_alone_unsplit() -> None:
    giant = "Pneumonoultramicroscopicsilicovolcanoconiosis-related-complications"
    cues = make_cues(words_at(("the", 0, 200), (giant, 250, 2_000), ("again", 2_050, 2_400)))
    assert any(c.text == giant for c in cues)
    assert " ".join(c.text.replace("\n", " ") for c in cues) == f"the {giant} again"


def test_lines_are_balanced_and_avoid_ending_on_a_weak_word() -> None:
    (cue,) = make_cues(speak_evenly("This is an example video for your convenience and pleasure."))
    assert cue.lines == ["This is an example video", "for your convenience and pleasure."]


def test_narrower_limits_are_obeyed() -> None:
    # One 20-character line at ~17 characters a second of speech: some cues cannot reach a
    # second without overlapping their neighbours; they keep the time they have.
    cues = make_cues(speak_evenly(LONG_TEXT), max_chars_per_line=20, max_lines=1)
    check_limits(cues, chars=20, lines=1)


def test_subtitle_suggestions_carry_the_words() -> None:
    cues = make_cues(speak_evenly("Hello there."))
    (s,) = subtitle_suggestions("f00d", cues)
    assert isinstance(s.payload, SubtitleCue)
    assert s.payload.text == "Hello there." and s.payload.range == cues[0].range
    assert [w.text for w in s.payload.words] == ["Hello", "there."]
    assert s.payload.words[0].range == cues[0].words[0].range


def test_cues_json_is_start_end_text_in_seconds() -> None:
    cues = make_cues(words_at(("Hello", 500, 900), ("there.", 950, 1_700)))
    assert cues_json(cues) == [{"start": 0.5, "end": 1.7, "text": "Hello there."}]


def test_transcript_object_is_accepted_and_empty_gives_nothing() -> None:
    words = tuple(speak_evenly("Hello there."))
    assert make_cues(Transcript(words, (), "en")) == make_cues(list(words))
    assert make_cues(Transcript((), (), "en")) == []


def test_contradictory_limits_are_refused() -> None:
    with pytest.raises(SubtitleSettingsError, match="durations"):
        make_cues([], min_duration=8, max_duration=7)
    with pytest.raises(SubtitleSettingsError):
        make_cues([], max_chars_per_line=0)


def test_example_cues_obey_limits_and_a_cut(shared_media: Path) -> None:
    from vidi_desktop.analysis.transcript import transcribe

    transcript = transcribe(shared_media / "example.mp4")
    cut = ms(10_000)
    cues = make_cues(transcript, shot_cuts=[cut])
    check_limits(cues, cuts=[cut])
    assert not any(c.range.start < cut < c.range.end_exclusive for c in cues)
    assert cues[-1].range.start.seconds > 39  # "banana", after the long silence
