"""How each suggestion kind looks in every view: its name, its colour, its lane's place.

One source so the timeline, the review queue, the transcript and the viewer's overlays agree:
a cut is the same red everywhere. The names and colours are the ones each kind declares with
its payload class (:class:`~vidi_desktop.core.project.kinds.KindInfo`); this module lays them
out for Qt. Cut ranges have two looks, "cut" and "keep", because an editor reads them as
opposites.

Styles are keyed by a *style key*: the payload kind, or ``"kind:variant"`` for a kind with
several looks (``"cut_range:cut"`` / ``"cut_range:keep"``, see :func:`style_key`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor

from vidi_desktop.core.project.kinds import (
    PAYLOAD_TYPES,
    default_info,
    kind_info,
    kinds_in_order,
)
from vidi_desktop.core.project.model import Suggestion


@dataclass(frozen=True, slots=True)
class KindStyle:
    """The look of one kind of suggestion."""

    key: str  # style key: a payload kind, or "kind:variant" ("cut_range:keep")
    kind: str  # the payload kind it belongs to
    label: str  # lane and filter name ("Cuts")
    singular: str  # one item ("cut")
    color: str  # "#rrggbb", readable on a dark UI
    order: int  # lane order on the timeline, top to bottom


# The styles of the registered kinds, rebuilt when a kind is registered: (kinds, by key).
_cache: tuple[tuple[str, ...], dict[str, KindStyle]] = ((), {})


def _styles() -> dict[str, KindStyle]:
    global _cache
    registered = tuple(PAYLOAD_TYPES)
    if _cache[0] != registered:
        styles: dict[str, KindStyle] = {}
        for kind in kinds_in_order():
            info = kind_info(kind)
            for look in info.looks:
                key = f"{kind}:{look.variant}" if look.variant else kind
                styles[key] = KindStyle(
                    key, kind, look.label, look.singular, look.color, len(styles)
                )
        _cache = (registered, styles)
    return _cache[1]


def kind_styles() -> tuple[KindStyle, ...]:
    """Every look of every registered kind, in lane order."""
    return tuple(_styles().values())


def style_key(suggestion: Suggestion) -> str:
    """The style key of a suggestion: its kind, and its variant for a kind with several."""
    payload = suggestion.payload
    variant = payload.variant()
    return f"{payload.kind}:{variant}" if variant else payload.kind


def style_for(key: str) -> KindStyle:
    """The style of a style key or payload kind; an unknown kind gets a grey style last."""
    styles = _styles()
    style = styles.get(key)
    if style is not None:
        return style
    if key in PAYLOAD_TYPES:  # a kind with several looks, asked for by its name: the first
        first = next((s for s in styles.values() if s.kind == key), None)
        if first is not None:
            return first
    look = default_info(key).looks[0]
    return KindStyle(key, key, look.label, look.singular, look.color, len(styles))


def style_of(suggestion: Suggestion) -> KindStyle:
    """The style of a suggestion."""
    return style_for(style_key(suggestion))


def kind_name(kind: str) -> str:
    """A payload kind's name for people ("cut_range" → "Cut ranges")."""
    return kind_info(kind).plural


def qcolor(key: str, alpha: int = 255) -> QColor:
    """The colour of a style key (or payload kind) as a QColor with ``alpha``."""
    color = QColor(style_for(key).color)
    color.setAlpha(alpha)
    return color
