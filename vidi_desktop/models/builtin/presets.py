"""The one-click requests (the window's preset buttons) and their fixed routes.

A preset's words are known in advance, so the built-in backend answers it without the
sentence-embedding router: no model is loaded and nothing is embedded. The same words typed
(``vidi-desktop ask FILE "remove the silences"``) take the same shortcut. Each preset's route
is what the router decides for its words (``tests/models/test_presets.py`` checks it), and
its parameters are read by the same rules (:func:`~.params.parse_params`).
"""

from __future__ import annotations

from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.params import normalize, parse_params
from vidi_desktop.models.builtin.router import RoutedRequest

PRESETS: tuple[tuple[str, str, str], ...] = (
    # (button text, the request it sends, the intent it is)
    ("Scenes", "split into scenes", I.SCENES),
    ("Remove silences", "remove the silences", I.SILENCES),
    ("Subtitles", "subtitles", I.SUBTITLES),
    ("Highlights", "five 30-second highlights", I.HIGHLIGHTS),
    ("Reframe 9:16", "reframe to 9:16", I.REFRAME),
)
_BY_TEXT = {normalize(text): intent for _, text, intent in PRESETS}


def preset_route(text: str) -> RoutedRequest | None:
    """The fixed route of a preset's words (case and spacing aside), else None."""
    intent = _BY_TEXT.get(normalize(text))
    if intent is None:
        return None
    return RoutedRequest(
        text,
        intent,
        parse_params(text),
        1.0,
        f"{intent}: preset",
        {intent: 1.0},
        keyword=True,
    )
