"""Suggestion kinds: the registry of payload types, and what each kind says about itself.

A payload class (see :mod:`.model`) names its ``kind`` and may carry a :class:`KindInfo`:
what people call it, the words ``--kind`` accepts for it, its colours, its marker, and
what accepting one does to the edit. :func:`register_payload` files the class under its
kind, the way OpenTimelineIO registers schema types; every view and writer then reads the
kind's description here instead of keeping its own table — the window's lanes and filters,
the NLE markers, the CSV, ``export --kind``. A new kind is one payload class with its
``info`` and one registration.

Only plain Python here: the CLI and the core read it without loading anything heavy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

if TYPE_CHECKING:
    from vidi_desktop.core.project.model import Payload

EditRole = Literal["keep", "cut", "marker", "information"]
"""What a kind's suggestions are on an exported timeline.

``keep`` and ``cut`` shape the edit (the payload's ``edit_action`` says which, per item: a
cut range can also keep); ``marker`` rides along as a marker on the clips; ``information``
is neither (a reframe path is applied as a crop, not shown as a marker).
"""

UNKNOWN_COLOR = "#8b949e"
"""The colour of a kind that does not say its own: grey, apart from every named colour."""


@dataclass(frozen=True, slots=True)
class Look:
    """How one variant of a kind shows in the window (a lane, a row, a box)."""

    label: str  # lane name ("Cuts")
    singular: str  # one item in lists ("cut")
    color: str  # "#rrggbb", readable on the dark UI and distinct from the other kinds
    variant: str = ""  # the Payload.variant() it draws; "" for a kind with one look


@dataclass(frozen=True, slots=True)
class KindInfo:
    """What a suggestion kind is called, looks like and does; declared with its payload."""

    plural: str  # its name in filters and menus ("Cut ranges")
    looks: tuple[Look, ...]  # one per variant, in lane order
    aliases: tuple[str, ...] = ()  # words ``--kind`` accepts besides the kind name
    role: EditRole = "information"
    marker_color: str = "RED"  # an NLE marker's colour (OpenTimelineIO's MarkerColor name)
    marker_name: str = ""  # a marker's name when the suggestion names nothing itself
    marker_on_request: bool = False  # markers only when asked for: the kind comes in crowds
    order: int = 1000  # place of its lanes and filter entry, top to bottom (ties: as registered)
    noun: str = ""  # one suggestion of the kind in counts ("silence cut"; default: the look's)

    def look(self, variant: str = "") -> Look:
        """The look of ``variant`` (the first look when the variant has none of its own)."""
        return next((lk for lk in self.looks if lk.variant == variant), self.looks[0])


def default_info(kind: str) -> KindInfo:
    """The description of a kind that gives none: its name in words, in grey, last."""
    words = kind.replace("_", " ")
    return KindInfo(words.capitalize(), (Look(words.capitalize(), words, UNKNOWN_COLOR),))


PAYLOAD_TYPES: dict[str, type[Payload]] = {}
"""Registry: kind name → payload class (how the file format finds the class of a kind)."""

_P = TypeVar("_P", bound="type[Payload]")


def register_payload(cls: _P) -> _P:
    """Class decorator adding a payload class to :data:`PAYLOAD_TYPES` under its ``kind``."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind")
    if PAYLOAD_TYPES.get(cls.kind, cls) is not cls:
        raise ValueError(f"suggestion kind {cls.kind!r} is already registered")
    PAYLOAD_TYPES[cls.kind] = cls
    return cls


def payload_class(kind: str) -> type[Payload]:
    """The payload class of ``kind``; ``KeyError`` names the known kinds."""
    try:
        return PAYLOAD_TYPES[kind]
    except KeyError:
        known = ", ".join(sorted(PAYLOAD_TYPES))
        raise KeyError(f"unknown suggestion kind {kind!r} (known: {known})") from None


def kind_info(kind: str) -> KindInfo:
    """The description of ``kind``: its payload class's, else :func:`default_info`."""
    cls = PAYLOAD_TYPES.get(kind)
    info = getattr(cls, "info", None)
    return info if isinstance(info, KindInfo) else default_info(kind)


def kinds_in_order() -> tuple[str, ...]:
    """The registered kinds by their ``order``, then by when they were registered."""
    position = {kind: n for n, kind in enumerate(PAYLOAD_TYPES)}
    return tuple(sorted(PAYLOAD_TYPES, key=lambda k: (kind_info(k).order, position[k])))


def kinds_with_role(*roles: EditRole) -> frozenset[str]:
    """The registered kinds whose :attr:`KindInfo.role` is one of ``roles``."""
    return frozenset(k for k in PAYLOAD_TYPES if kind_info(k).role in roles)


def kind_aliases() -> dict[str, tuple[str, ...]]:
    """Each word ``--kind`` accepts besides kind names → the kinds it stands for, in the
    kinds' order (``", ".join(kind_aliases())`` is a help text). A word two kinds declare
    stands for both ("cuts": every kind that cuts)."""
    words: dict[str, list[str]] = {}
    for kind in kinds_in_order():
        for alias in kind_info(kind).aliases:
            words.setdefault(alias, []).append(kind)
    return {w: tuple(kinds) for w, kinds in words.items()}


def singular(word: str) -> str:
    """The English singular of a plural ending in -s, -es or -ies, else the word itself
    ("scene_boundaries" → "scene_boundary", "silences" → "silence", "speech" → "speech")."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(("s", "x", "ch", "sh")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 1:
        return word[:-1]
    return word


def _norm(word: str) -> str:
    return "_".join(word.strip().lower().replace("-", " ").replace("_", " ").split())


def kind_words() -> dict[str, tuple[str, ...]]:
    """Every word a kind may be typed as, singular, → the kinds it stands for: kind names,
    their aliases, and the names the kinds show ("scene boundary", "Cut ranges")."""
    words: dict[str, list[str]] = {}

    def add(word: str, kind: str) -> None:
        kinds = words.setdefault(singular(_norm(word)), [])
        if kind not in kinds:
            kinds.append(kind)

    for kind in kinds_in_order():
        info = kind_info(kind)
        add(kind, kind)
        add(info.plural, kind)
    for alias, kinds in kind_aliases().items():
        for kind in kinds:
            add(alias, kind)
    return {w: tuple(k) for w, k in words.items()}


def resolve_kind_words(words: Iterable[str]) -> tuple[str, ...]:
    """Kind names for ``words`` (kind names, aliases or the names kinds show; any case,
    singular or plural, ``-`` or a space for ``_``), each kind once, in the order given.

    ``ValueError`` for a word that is none of these, naming every word accepted.
    """
    known = kind_words()
    out: list[str] = []
    for given in words:
        word = _norm(given)
        kinds = known.get(word) or known.get(singular(word))
        if kinds is None:
            names = ", ".join(sorted(set(PAYLOAD_TYPES) | set(kind_aliases())))
            raise ValueError(f"unknown kind {given!r} (known: {names}; singular or plural)")
        out.extend(kinds)
    return tuple(dict.fromkeys(out))


def count_text(n: int, kind: str) -> str:
    """``n`` suggestions of ``kind`` in words, singular or plural as ``n`` says:
    "1 scene boundary", "7 scene boundaries"."""
    info = kind_info(kind)
    one = info.noun or info.look().singular
    many = info.plural.lower()
    return f"{n} {one if n == 1 else many}"
