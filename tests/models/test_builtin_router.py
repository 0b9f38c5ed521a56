"""The built-in router on held-out phrasings (MiniLM from its PyPI package, offline)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from fractions import Fraction

import pytest
from routing_phrases import DEV, HELD_OUT, WINDOW_FOOTAGE_SECONDS, Phrase

from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.embedder import Embedder, EmbedderError
from vidi_desktop.models.builtin.params import normalize
from vidi_desktop.models.builtin.router import RoutedRequest, Router

ACCURACY_BOUND = 0.9
# Routing after load measured 5-9 ms a request on an idle 2-core machine and ~30 ms median
# with the cores shared by four other test runs; the target is 50 ms. The bound below only
# catches a broken path (a model reloaded per request, a cache that never hits).
LATENCY_BOUND_S = 0.25


@pytest.fixture(scope="module")
def router() -> Router:
    r = Router(Embedder())
    started = time.perf_counter()
    r.load()
    print(f"\nrouter load: {time.perf_counter() - started:.2f} s (MiniLM + exemplars)")
    return r


def params_match(routed: RoutedRequest, expected: dict[str, object]) -> list[str]:
    """The expected parameters the router did not read (empty when all match)."""
    p = routed.params
    wrong = []
    for key, want in expected.items():
        if key == "window":
            got = None if p.window is None else p.window.resolve(Fraction(WINDOW_FOOTAGE_SECONDS))
            ok = got == tuple(Fraction(x) for x in want)  # type: ignore[attr-defined]
        elif isinstance(want, str):
            got = getattr(p, key)
            ok = (got or "").lower() == want.lower()
        else:
            got = getattr(p, key)  # exact Fractions against the decimals written above
            ok = got is not None and Fraction(got) == Fraction(str(want))
        if not ok:
            wrong.append(f"{key}={got!r} (want {want!r})")
    return wrong


def score(router: Router, phrases: list[Phrase]) -> tuple[float, list[str]]:
    misses = []
    for ph in phrases:
        routed = router.route(ph.text)
        wrong = params_match(routed, ph.params)
        if routed.intent != ph.intent or wrong:
            misses.append(
                f"{ph.text!r}: {routed.intent} (want {ph.intent}) {wrong} — {routed.explanation}"
            )
    return 1 - len(misses) / len(phrases), misses


def test_held_out_phrases_are_not_exemplars() -> None:
    exemplars = {normalize(e) for _, e in I.all_exemplars()}
    assert len(HELD_OUT) >= 60
    copies = [p.text for p in HELD_OUT if normalize(p.text) in exemplars]
    assert not copies
    # Filler words came later: heldout_phrasings_v2 covers them (test_router_v2).
    assert {p.intent for p in HELD_OUT} >= (set(I.SERVED) - {I.FILLERS}) | {I.NEEDS_VLM}


def test_accuracy_on_held_out_phrases(router: Router) -> None:
    accuracy, misses = score(router, HELD_OUT)
    per_intent = Counter(p.intent for p in HELD_OUT)
    print(
        f"\nrouting accuracy (intent + parameters) on {len(HELD_OUT)} held-out phrasings: "
        f"{accuracy:.3f}; per intent: {dict(per_intent)}"
    )
    for m in misses:
        print("  miss:", m)
    assert accuracy >= ACCURACY_BOUND, misses


def test_the_issue_s_own_phrasings(router: Router) -> None:
    accuracy, misses = score(router, DEV)
    assert accuracy == 1.0, misses


UNSERVABLE = [
    "when is the red car visible",
    "find the dog",
    "find the giraffe",
    "every scene with a bicycle",
    "when does the woman in the yellow coat appear",
    "show me shots where he is holding a guitar",
    "when does she open the door",
    "find the shots filmed at night",
    "what is written on the whiteboard",
    "who is the man in the suit",
    "describe the video",
    "when does the goalkeeper catch the ball",
]


@pytest.mark.parametrize("text", UNSERVABLE)
def test_visual_queries_need_a_vlm(router: Router, text: str) -> None:
    routed = router.route(text)
    assert routed.intent == I.NEEDS_VLM, routed.explanation
    assert not routed.served


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # Words of the picture inside quotes are words to find in the speech.
        ("find where she says 'red car'", I.FIND_PHRASE),
        ("when does he mention the dog", I.FIND_PHRASE),
        # Served look-alikes of visual queries.
        ("every shot with a face", I.FACES),
        ("when is the speaker on screen", I.FACES),
        ("find the fade to black", I.SCENES),
        ("jump cut the pauses", I.SILENCES),
        ("what are the main topics", I.CHAPTERS),
    ],
)
def test_look_alikes_go_where_they_belong(router: Router, text: str, intent: str) -> None:
    assert router.route(text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("asdf qwerty", I.UNKNOWN),
        ("make me a coffee", I.UNKNOWN),
        ("hello", I.UNKNOWN),  # a verb-less greeting is not a phrase search
        ("stabilize the footage", I.UNSUPPORTED),
        ("translate the subtitles to french", I.UNSUPPORTED),
        ("remove the background noise", I.UNSUPPORTED),
        ("what can you do?", I.HELP),
    ],
)
def test_what_it_cannot_do_is_never_guessed(router: Router, text: str, intent: str) -> None:
    routed = router.route(text)
    assert routed.intent == intent, routed.explanation
    assert not routed.served


def test_compound_request_routes_every_part(router: Router) -> None:
    routed = router.route("in the first minute, split into scenes and add subtitles")
    assert [routed.intent, *(p.intent for p in routed.also)] == [I.SCENES, I.SUBTITLES]
    for part in (routed, *routed.also):
        assert part.params.window is not None
        assert part.params.window.resolve(Fraction(600)) == (0, 60)
    routed = router.route("find where she says 'salt and pepper' and add captions")
    assert routed.intent == I.FIND_PHRASE and routed.params.phrase == "salt and pepper"
    assert [p.intent for p in routed.also] == [I.SUBTITLES]
    # Two phrasings of one task are not two tasks.
    routed = router.route("remove the silences and keep pauses under 0.5 s")
    assert routed.intent == I.SILENCES and routed.also == ()
    assert routed.params.keep_pauses == Fraction(1, 2)


def test_routing_latency_after_load(router: Router) -> None:
    router.embedder._cache.clear()  # measure real forward passes, not cache hits
    times = []
    for ph in HELD_OUT:
        router.route(ph.text)
        assert router.last_latency_s is not None
        times.append(router.last_latency_s)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"\nrouting latency after load: p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    assert p50 < LATENCY_BOUND_S


def test_a_missing_model_folder_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(EmbedderError, match="not a sentence-embedding model folder"):
        Embedder(tmp_path).load()
    with pytest.raises(EmbedderError, match="not loaded"):
        Embedder(tmp_path).encode(["x"])


def test_importing_the_backend_loads_no_torch() -> None:
    code = (
        "import sys, json\n"
        "import vidi_desktop.models.builtin.backend\n"
        "from vidi_desktop.models.registry import create_backend\n"
        "create_backend('builtin')\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not loaded & {"torch", "transformers", "PySide6"}


def test_without_torch_the_lexical_router_still_routes_most_requests() -> None:
    """The standalone app has no torch: words and trigrams stand in for MiniLM."""
    from vidi_desktop.models.builtin.embedder import LexicalEmbedder

    lexical = Router(LexicalEmbedder())
    lexical.load()
    accuracy, misses = score(lexical, HELD_OUT)
    print(f"\nlexical routing accuracy on {len(HELD_OUT)} held-out phrasings: {accuracy:.3f}")
    assert accuracy >= 0.85, misses
    for text in ("when is the red car visible", "find the dog"):
        assert lexical.route(text).intent == I.NEEDS_VLM


def test_make_embedder_follows_what_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    from vidi_desktop.models.builtin.embedder import LexicalEmbedder, make_embedder

    monkeypatch.setenv("VIDI_DESKTOP_ROUTER", "lexical")
    assert isinstance(make_embedder(), LexicalEmbedder)
    monkeypatch.delenv("VIDI_DESKTOP_ROUTER")
    assert isinstance(make_embedder(), Embedder)  # MiniLM in numpy: no torch needed
