"""Requests as editors type them (issue 13): the second held-out set, typos and other
languages, windows spoken as parts, compound requests, refusals that say what instead."""

from __future__ import annotations

from fractions import Fraction

import pytest
from heldout_phrasings_v2 import BLIND, CASES, FOOTAGE_SECONDS, TASK_KEYS, Case, score_case

from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.embedder import Embedder, LexicalEmbedder
from vidi_desktop.models.builtin.params import normalize, parse_params
from vidi_desktop.models.builtin.plan import PARAM_KEYS, make_plan, refusal_message
from vidi_desktop.models.builtin.rewrite import correct_typo, rewrite
from vidi_desktop.models.builtin.router import Router

BOUND = 0.95  # the goal, for intent and for intent + parameters, both routers
F = Fraction


@pytest.fixture(scope="module", params=["minilm", "lexical"])
def router(request: pytest.FixtureRequest) -> Router:
    r = Router(Embedder() if request.param == "minilm" else LexicalEmbedder())
    r.load()
    return r


@pytest.fixture(scope="module")
def minilm() -> Router:
    r = Router(Embedder())
    r.load()
    return r


def plan_json(router: Router, text: str) -> dict:
    return make_plan(router.route(text), F(FOOTAGE_SECONDS)).as_json()


def accuracy(router: Router, cases: list[Case]) -> tuple[float, float, list[str]]:
    intent = full = 0
    misses = []
    for case in cases:
        ok_intent, ok_full, why = score_case(case, plan_json(router, case.text))
        intent += ok_intent
        full += ok_full
        if not ok_full:
            misses.append(f"[{case.kind}] {case.text!r}: {why}")
    return intent / len(cases), full / len(cases), misses


# -- the held-out set itself ----------------------------------------------------------------------


def test_the_set_is_fresh_and_covers_every_class_of_miss() -> None:
    exemplars = {normalize(e) for _, e in I.all_exemplars()}
    assert len(CASES) >= 80
    assert not [c.text for c in CASES + BLIND if normalize(c.text) in exemplars]
    kinds = {c.kind for c in CASES}
    assert kinds >= {"typo", "es", "fr", "de", "pt", "window", "compound", "moments", "visual",
                     "unsupported", "nobody", "fillers"}
    tasks = {s.task for c in CASES for s in c.steps}
    assert tasks == set(I.SERVED) == set(TASK_KEYS)
    assert {c.refusal for c in CASES} == {None, "needs_vlm", "unsupported"}


def test_accuracy_on_the_held_out_set(router: Router) -> None:
    intent, full, misses = accuracy(router, CASES)
    print(f"\n{type(router.embedder).__name__}: intent {intent:.3f}, +params {full:.3f}")
    assert intent >= BOUND and full >= BOUND, misses


def test_accuracy_on_the_phrasings_written_after_tuning(router: Router) -> None:
    intent, full, misses = accuracy(router, BLIND)
    assert intent >= BOUND and full >= BOUND, misses


# -- rewriting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("portait mode", "portrait mode"),
        ("detect scene chnages", "detect scene changes"),
        ("make it verticle", "make it vertical"),
        ("3 highlihgts 30s ea", "3 highlights 30s each"),
        ("cut dead air b4 1 min", "cut dead air before 1 min"),
        ("captions for the 2nd half pls", "captions for the second half please"),
    ],
)
def test_typos_and_shorthand_are_read_as_meant(typed: str, read: str) -> None:
    assert rewrite(typed).text == read


@pytest.mark.parametrize("word", ["filter", "shirts", "quite", "faced", "giraffe", "were"])
def test_real_words_are_never_corrected(word: str) -> None:
    assert correct_typo(word) is None


def test_quoted_words_are_never_rewritten() -> None:
    r = rewrite("find where he says 'Portait B4 Verticle'")
    assert "'Portait B4 Verticle'" in r.text


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("quita los silencios", "remove the silences"),
        ("sous-titres pour les 2 premières minutes", "subtitles for the first 2 minutes"),
        ("entferne die Pausen länger als 2 Sekunden", "remove the pauses longer than 2 seconds"),
        ("melhores momentos do vídeo", "best moments of the video"),
    ],
)
def test_spanish_french_german_portuguese_read_word_for_word(typed: str, read: str) -> None:
    r = rewrite(typed)
    assert r.text == read and r.language == "foreign"


def test_english_words_that_are_foreign_too_stay_english() -> None:
    # "die", "a", "pour" are translated only in a request already seen to be foreign.
    assert rewrite("make a vertical version before they die").text == (
        "make a vertical version before they die"
    )


@pytest.mark.parametrize(
    "text",
    [
        "delete the part where nobody speaks",
        "remove bits where nobody's saying anything",
        "get rid of the sections without any speech",
    ],
)
def test_speech_negated_reads_as_silence(text: str) -> None:
    assert "silence" in rewrite(text).text


# -- windows --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("scenes in the back half", (300, 600)),
        ("subtitles for the middle third", (200, 400)),
        ("faces in the second quarter", (150, 300)),
        ("captions for the intro", (0, 60)),
        ("transcribe the outro", (540, 600)),
        ("scenes after the intro", (60, 600)),
        ("highlights from the last 20%", (480, 600)),
        ("speech in the first 10 percent", (0, 60)),
        ("highlights after the first 30 seconds", (30, 600)),
        ("silences before the last minute", (0, 540)),
    ],
)
def test_windows_spoken_as_parts(text: str, window: tuple[int, int]) -> None:
    p = parse_params(text)
    assert p.window is not None and p.window.resolve(F(600)) == (F(window[0]), F(window[1]))
    assert p.unread_window is None


@pytest.mark.parametrize(
    ("text", "unread"),
    [
        ("remove silences during the Q&A", "during the q&a"),
        ("subtitles before the ad break", "before the ad break"),
        ("scene changes in the second act", "in the second act"),
        ("chapters for the third segment", "for the third segment"),
    ],
)
def test_a_part_no_rule_can_place_is_reported(text: str, unread: str) -> None:
    p = parse_params(text)
    assert p.window is None and p.unread_window == unread


@pytest.mark.parametrize(
    "text",
    [
        "remove silences during the interview",  # the footage itself
        "keep 0.2 s of silence before the cut",
        "subtitles and scenes, then chapters",
    ],
)
def test_the_footage_and_the_found_things_are_not_parts(text: str) -> None:
    assert parse_params(text).unread_window is None


def test_an_unread_window_refuses_and_says_how_to_say_it(minilm: Router) -> None:
    routed = minilm.route("remove silences during the Q&A")
    assert routed.intent == I.UNREAD_WINDOW and not routed.served
    plan = make_plan(routed, F(600))
    assert plan.steps == () and plan.refusal is not None
    assert plan.refusal["reason"] == "unsupported"
    assert "during the q&a" in plan.refusal["message"] and "second half" in plan.refusal["message"]


# -- compound requests ----------------------------------------------------------------------------


def steps(router: Router, text: str) -> list[tuple[str, dict]]:
    return [(s["task"], s["params"]) for s in plan_json(router, text)["steps"]]


def test_each_part_keeps_its_own_window(minilm: Router) -> None:
    (a, pa), (b, pb) = steps(minilm, "remove the silences, then subtitles for the last minute")
    assert (a, b) == ("silences", "subtitles")
    assert pa["window"] is None and pb["window"] == [540.0, 600.0]


def test_a_leading_window_applies_to_every_part(minilm: Router) -> None:
    got = steps(minilm, "in the first half: scenes and chapters")
    assert [t for t, _ in got] == ["scenes", "chapters"]
    assert all(p["window"] == [0.0, 300.0] for _, p in got)


def test_a_bare_parameter_joins_the_task_that_reads_it(minilm: Router) -> None:
    ((task, p),) = steps(minilm, "4 highlights of 15 seconds, vertical")
    assert task == "highlights" and (p["count"], p["duration"], p["aspect"]) == (4, 15.0, "9:16")


def test_a_verb_makes_it_a_task_of_its_own(minilm: Router) -> None:
    got = steps(minilm, "4 highlights of 15 seconds, then crop it square")
    assert [t for t, _ in got] == ["highlights", "reframe"] and got[1][1]["aspect"] == "1:1"


def test_a_window_with_and_is_never_split(minilm: Router) -> None:
    ((task, p),) = steps(minilm, "chapters between 1:00 and 2:30")
    assert task == "chapters" and p["window"] == [60.0, 150.0]


def test_an_unquoted_phrase_with_and_stays_whole(minilm: Router) -> None:
    ((task, p),) = steps(minilm, "where does she talk about sales and marketing")
    assert task == "find_phrase" and p["phrase"] == "sales and marketing"


# -- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "instead"),
    [
        ("translate the subs to german", "make subtitles in the language spoken"),
        ("denoise the audio", "remove the silences"),
        ("add a crossfade between every shot", "split into scenes"),
        ("stabilize this", "split the footage into scenes"),
    ],
)
def test_a_job_outside_the_product_says_what_it_can_do_instead(
    minilm: Router, text: str, instead: str
) -> None:
    routed = minilm.route(text)
    assert routed.intent == I.UNSUPPORTED and routed.job is not None
    assert instead in refusal_message(routed)


@pytest.mark.parametrize(
    "text",
    ["shots with the giraffe", "what colour is his shirt", "the guy hands over the envelope"],
)
def test_things_in_the_picture_name_the_vlm_backend(minilm: Router, text: str) -> None:
    plan = make_plan(minilm.route(text), F(600))
    assert plan.refusal is not None and plan.refusal["reason"] == "needs_vlm"
    assert "--backend qwen-vl" in plan.refusal["message"]


def test_every_step_holds_exactly_the_contract_keys(minilm: Router) -> None:
    for case in CASES:
        for step in plan_json(minilm, case.text)["steps"]:
            assert tuple(step["params"]) == PARAM_KEYS
            unused = set(PARAM_KEYS) - set(TASK_KEYS[step["task"]])
            assert all(step["params"][k] is None for k in unused), (case.text, step)
