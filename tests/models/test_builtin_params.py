"""Request parameters read by rules: durations, counts, ratios, phrases, windows, silence knobs."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vidi_desktop.models.builtin.params import (
    Window,
    duration_value,
    format_seconds,
    number_value,
    parse_params,
)

F = Fraction


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30-second", 30),
        ("30s", 30),
        ("30 s", 30),
        ("half a minute", 30),
        ("1:30", 90),
        ("1:02:03", 3723),
        ("2 minutes", 120),
        ("2 min", 120),
        ("2m30s", 150),
        ("1 minute 30", 90),
        ("1 min and 15 sec", 75),
        ("1.5 minutes", 90),
        ("one and a half minutes", 90),
        ("a minute and a half", 90),
        ("thirty-five seconds", 35),
        ("250ms", F(1, 4)),
        ("0.5 s", F(1, 2)),
        ("1,5 s", F(3, 2)),
        ("an hour", 3600),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert duration_value(text) == F(seconds)


def test_not_a_duration() -> None:
    with pytest.raises(ValueError):
        duration_value("thirty")


@pytest.mark.parametrize(
    ("text", "value"), [("ten", 10), ("3", 3), ("twenty-five", 25), ("ninety nine", 99)]
)
def test_numbers(text: str, value: int) -> None:
    assert number_value(text) == value


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("ten 30-second highlights", 10),
        ("give me 3 short clips", 3),
        ("a dozen clips", 12),
        ("half a dozen teasers", 6),
        ("a couple of shorts", 2),
        ("top 5 moments", 5),
        ("one 45s highlight", 1),
        ("best moments", None),
        ("one of the best moments", None),
    ],
)
def test_counts(text: str, count: int | None) -> None:
    assert parse_params(text).count == count


def test_count_and_clip_length_read_apart() -> None:
    p = parse_params("ten 30-second highlights for TikTok")
    assert (p.count, p.duration, p.aspect) == (10, 30, "9:16")
    p = parse_params("make five 1:30 clips")
    assert (p.count, p.duration) == (5, 90)
    p = parse_params("a dozen half a minute clips")
    assert (p.count, p.duration) == (12, 30)


@pytest.mark.parametrize(
    ("text", "aspect", "explicit"),
    [
        ("reframe to 9:16", "9:16", True),
        ("crop it to 4:5", "4:5", True),
        ("9 by 16 please", "9:16", True),
        ("make it 16/9", "16:9", True),
        ("make it vertical", "9:16", False),
        ("portrait mode", "9:16", False),
        ("square crop for Instagram", "1:1", False),
        ("for TikTok", "9:16", False),
        ("for Reels", "9:16", False),
        ("for youtube shorts", "9:16", False),
        ("turn the vertical clip into landscape", "16:9", False),
        ("split into scenes", None, False),
    ],
)
def test_aspect_ratios(text: str, aspect: str | None, explicit: bool) -> None:
    p = parse_params(text)
    assert (p.aspect, p.aspect_explicit) == (aspect, explicit)


def test_a_time_that_looks_like_a_ratio_is_a_time() -> None:
    p = parse_params("scenes after 9:16")
    assert p.aspect is None
    assert p.window is not None and p.window.start == 9 * 60 + 16


@pytest.mark.parametrize(
    ("text", "phrase", "quoted"),
    [
        ("find where she says 'budget'", "budget", True),
        ('find where she says "Budget Cuts"', "Budget Cuts", True),
        ("find where he says “thank you”", "thank you", True),
        ("find where he says ‘thank you’", "thank you", True),
        ("find «merci» please", "merci", True),
        ("find every time she says 'ten minutes'", "ten minutes", True),
        ("when does he mention the budget cuts in the video", "budget cuts", False),
        ("jump to when they say thank you", "thank you", False),
        ("find the word banana", "banana", False),
        ("find the part about taxes", "taxes", False),
        ("find the budget discussion", "budget", False),
        ("she's sure it's fine", None, False),  # apostrophes are not quotes
    ],
)
def test_phrases(text: str, phrase: str | None, quoted: bool) -> None:
    p = parse_params(text)
    assert (p.phrase, p.quoted) == (phrase, quoted)


def test_numbers_inside_quotes_are_not_parameters() -> None:
    p = parse_params("find every time she says 'ten 30-second spots'")
    assert p.count is None and p.duration is None


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("split into scenes in the first 5 minutes", (0, 300)),
        ("subtitles after 10:00", (600, 1200)),
        ("chapters between 1:00 and 2:30", (60, 150)),
        ("from 1:00 to 2:00", (60, 120)),
        ("transcribe 0:30-1:45", (30, 105)),
        ("highlights from the last 30 seconds", (1170, 1200)),
        ("scenes in the final minute", (1140, 1200)),
        ("top moments from the second half", (600, 1200)),
        ("captions before the 2 minute mark", (0, 120)),
        ("faces in the opening 90 seconds", (0, 90)),
        ("scenes after minute 3", (180, 1200)),
    ],
)
def test_windows_resolve_against_the_footage(text: str, window: tuple[int, int]) -> None:
    p = parse_params(text)
    assert p.window is not None, text
    assert p.window.resolve(F(1200)) == (F(window[0]), F(window[1]))


def test_window_numbers_are_not_clip_lengths() -> None:
    p = parse_params("three 20-second clips from the first 5 minutes")
    assert (p.count, p.duration) == (3, 20)
    assert p.window is not None and p.window.resolve(F(600)) == (0, 300)


def test_window_past_the_end_resolves_outside() -> None:
    # The backend turns this into a clear message; the parser never clamps silently.
    a, b = Window(start=F(600)).resolve(F(20))
    assert a == 600 and b <= a


@pytest.mark.parametrize(
    ("text", "knob", "value"),
    [
        ("remove the silences but keep pauses under 0.5 s", "keep_pauses", F(1, 2)),
        ("remove dead space but leave pauses shorter than 0.7 seconds", "keep_pauses", F(7, 10)),
        ("tighten the pauses to 0.4 seconds", "margin", F(1, 5)),
        ("cut the dead air with a 0.2 s margin", "margin", F(1, 5)),
        ("strip silence, 250ms padding", "margin", F(1, 4)),
        ("keep 0.25 seconds around speech", "margin", F(1, 4)),
        ("only silences longer than 1.5 seconds", "min_silence", F(3, 2)),
        ("delete any silence over 2 s", "min_silence", F(2)),
    ],
)
def test_silence_knobs(text: str, knob: str, value: Fraction) -> None:
    p = parse_params(text)
    assert getattr(p, knob) == value
    assert p.duration is None  # the knob's duration is not a clip length


def test_everything_at_once() -> None:
    p = parse_params("five 15-second vertical clips from the last 2 minutes")
    assert (p.count, p.duration, p.aspect) == (5, 15, "9:16")
    assert p.window is not None and p.window.resolve(F(600)) == (480, 600)
    assert p.as_dict() == {
        "count": 5,
        "aspect": "9:16",
        "unit": "shot",
        "duration": 15.0,
        "window": "the last 2:00",
    }


def test_format_seconds() -> None:
    assert format_seconds(F(75)) == "1:15"
    assert format_seconds(F(151, 2)) == "1:15.5"
    assert format_seconds(3600) == "1:00:00"
