"""Presets: fixed routes that agree with the router, and that skip it (no model loaded)."""

from __future__ import annotations

import threading

import pytest

from vidi_desktop.core.progress import no_progress
from vidi_desktop.models.builtin.backend import BuiltinBackend
from vidi_desktop.models.builtin.embedder import Embedder
from vidi_desktop.models.builtin.presets import PRESETS, preset_route
from vidi_desktop.models.builtin.router import Router
from vidi_desktop.models.protocol import AssetRef, Request


@pytest.fixture(scope="module")
def router() -> Router:
    r = Router(Embedder())
    r.load()
    return r


@pytest.mark.parametrize(("label", "text", "intent"), PRESETS)
def test_each_preset_routes_as_the_router_would(router: Router, label, text, intent) -> None:
    fixed = preset_route(text)
    routed = router.route(text)
    assert fixed is not None
    assert (fixed.intent, fixed.params) == (routed.intent, routed.params) == (intent, fixed.params)


def test_preset_words_match_whatever_their_case_and_spacing() -> None:
    route = preset_route("  Remove   the SILENCES ")
    assert route is not None and route.intent == "silences"


def test_other_words_are_not_presets() -> None:
    assert preset_route("remove the silences longer than 2 seconds") is None
    assert preset_route("subtitles in french") is None


def test_a_preset_request_runs_without_loading_the_router(tmp_path) -> None:
    """"remove the silences" on a clip with a tone: answered, and no embedding model loaded."""
    from vidi_desktop.media.synth import sine, write_clip

    clip = write_clip(tmp_path / "tone.mp4", frames=50, size=(64, 48), audio=sine())
    backend = BuiltinBackend()
    out = backend.run(
        Request("remove the silences", (AssetRef("a", str(clip)),)), no_progress, threading.Event()
    )
    assert out
    assert backend.last_route is not None and backend.last_route.intent == "silences"
    assert not backend.embedder.loaded and not backend.router.loaded


def test_a_typed_request_loads_the_router(tmp_path) -> None:
    from vidi_desktop.media.synth import sine, write_clip

    clip = write_clip(tmp_path / "tone.mp4", frames=50, size=(64, 48), audio=sine())
    backend = BuiltinBackend()
    backend.run(
        Request("cut out the quiet bits", (AssetRef("a", str(clip)),)),
        no_progress,
        threading.Event(),
    )
    assert backend.router.loaded and backend.last_route is not None
    assert backend.last_route.intent == "silences"


def test_subtitles_after_scenes_decode_no_picture(tmp_path) -> None:
    """The shots an earlier request found are reused for cue breaking: the second request
    runs no picture pass (its progress never says "pictures")."""
    from vidi_desktop.media.synth import sine, write_clip

    clip = write_clip(tmp_path / "tone.mp4", frames=50, size=(64, 48), audio=sine())
    backend = BuiltinBackend()
    asset = (AssetRef("a", str(clip)),)
    messages: list[list[str]] = []
    for text in ("split into scenes", "subtitles"):
        seen: list[str] = []
        backend.run(Request(text, asset), lambda f, m, seen=seen: seen.append(m),
                    threading.Event())
        messages.append(seen)
    assert any("pictures" in m for m in messages[0])
    assert not any("pictures" in m for m in messages[1])
