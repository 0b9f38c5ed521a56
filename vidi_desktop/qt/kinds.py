"""How each suggestion kind looks in every view: its name, its colour, its lane's place.

One table so the timeline, the review queue, the transcript and the viewer's overlays agree:
a cut is the same red everywhere. Cut ranges get two styles, "cut" and "keep", because an
editor reads them as opposites. Colours are chosen to stay readable on a dark background
(mid-to-light tones, none close to the grey of the UI) and distinct from each other.

Styles are keyed by a *style key*: the payload kind, or ``"cut_range:cut"`` /
``"cut_range:keep"`` for cut ranges (see :func:`style_key`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor

from vidi_desktop.core.project.model import CutRange, Suggestion


@dataclass(frozen=True, slots=True)
class KindStyle:
    """The look of one kind of suggestion."""

    key: str  # style key: a payload kind, or "cut_range:cut" / "cut_range:keep"
    kind: str  # the payload kind it belongs to
    label: str  # lane and filter name ("Cuts")
    singular: str  # one item ("cut")
    color: str  # "#rrggbb", readable on a dark UI
    order: int  # lane order on the timeline, top to bottom


KIND_STYLES: tuple[KindStyle, ...] = (
    KindStyle("scene_boundary", "scene_boundary", "Scenes", "scene boundary", "#c9d1d9", 0),
    KindStyle("chapter", "chapter", "Chapters", "chapter", "#6cb6ff", 1),
    KindStyle("highlight_clip", "highlight_clip", "Highlights", "highlight", "#f0b72f", 2),
    KindStyle("cut_range:cut", "cut_range", "Cuts", "cut", "#f47067", 3),
    KindStyle("cut_range:keep", "cut_range", "Keeps", "keep", "#57ab5a", 4),
    KindStyle("subtitle_cue", "subtitle_cue", "Subtitles", "subtitle", "#b083f0", 5),
    KindStyle("answer", "answer", "Answers", "answer", "#f778ba", 6),
    KindStyle("reframe_path", "reframe_path", "Reframe", "reframe path", "#e0823d", 7),
    KindStyle("object_tube", "object_tube", "Objects", "object tube", "#39c5cf", 8),
)

STYLES: dict[str, KindStyle] = {s.key: s for s in KIND_STYLES}

_UNKNOWN_COLOR = "#8b949e"  # a kind added later without a style still shows, in grey

# Names of payload kinds for filters and menus ("Cut ranges" covers cuts and keeps).
KIND_NAMES: dict[str, str] = {
    "scene_boundary": "Scene boundaries",
    "chapter": "Chapters",
    "highlight_clip": "Highlights",
    "cut_range": "Cut ranges",
    "subtitle_cue": "Subtitles",
    "answer": "Answers",
    "reframe_path": "Reframe paths",
    "object_tube": "Object tubes",
}


def style_key(suggestion: Suggestion) -> str:
    """The style key of a suggestion: its kind, split by action for cut ranges."""
    payload = suggestion.payload
    if isinstance(payload, CutRange):
        return f"cut_range:{payload.action}"
    return payload.kind


def style_for(key: str) -> KindStyle:
    """The style of a style key or payload kind; an unknown kind gets a grey style last."""
    style = STYLES.get(key)
    if style is not None:
        return style
    if key == "cut_range":
        return STYLES["cut_range:cut"]
    name = key.replace("_", " ")
    return KindStyle(key, key, name.capitalize(), name, _UNKNOWN_COLOR, len(KIND_STYLES))


def style_of(suggestion: Suggestion) -> KindStyle:
    """The style of a suggestion."""
    return style_for(style_key(suggestion))


def kind_name(kind: str) -> str:
    """A payload kind's name for people ("cut_range" → "Cut ranges")."""
    return KIND_NAMES.get(kind) or kind.replace("_", " ").capitalize()


def qcolor(key: str, alpha: int = 255) -> QColor:
    """The colour of a style key (or payload kind) as a QColor with ``alpha``."""
    color = QColor(style_for(key).color)
    color.setAlpha(alpha)
    return color
