"""The request → suggestions protocol every backend speaks.

A :class:`Request` is what the editor typed plus the assets it is about; a backend turns it
into plain ``core`` suggestions (time ranges, tubes with normalized boxes at ms, chapters,
answers). The same protocol serves the built-in analysers, transformers VLMs and the Vidi
subprocess, so the runner, the CLI and the GUI never care which one answers.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol, runtime_checkable

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.progress import ProgressFn
from vidi_desktop.core.project import Asset, AssetFacts, Suggestion
from vidi_desktop.core.time import TimeRange

MAX_REQUEST_CHARS = 2000
"""Longer requests are refused: no editor types that much, and a VLM prompt would blow up."""

class RequestError(VidiError):
    """The request itself cannot be served (empty, too long, unknown asset…)."""


class BackendError(VidiError):
    """A backend failed: bad weights, out of memory, a crash, nonsense output."""


class NotSupportedError(BackendError):
    """The backend understood the request but cannot serve it (says what would)."""


@dataclass(frozen=True)
class AssetRef:
    """The part of a project asset a backend needs: where it is and how long it runs."""

    asset_id: str
    path: str
    duration: Fraction | None = None  # seconds, exact where probe knew it
    frame_rate: Fraction | None = None  # None: unknown or variable
    info: Mapping[str, Any] = field(default_factory=dict)  # probe's JSON
    facts: AssetFacts = field(default=None, compare=False, repr=False)  # type: ignore[assignment]
    """``info`` parsed (start, frame grid…); built from ``info`` when not given."""

    def __post_init__(self) -> None:
        if self.facts is None:
            object.__setattr__(self, "facts", AssetFacts.from_info(self.info))

    @classmethod
    def from_asset(cls, asset: Asset) -> AssetRef:
        """The reference for a project asset (duration and rate from its probe facts)."""
        return cls(
            asset.id,
            asset.path,
            asset.facts.duration,
            asset.facts.rate,  # None when variable or unreadable, never a crash
            dict(asset.info),
            asset.facts,
        )


@dataclass(frozen=True)
class Request:
    """One plain-language request about some assets.

    ``window`` limits the request to a part of the footage (in the asset's own seconds);
    ``options`` carries backend knobs (``fps``, ``max_frames``, ``max_new_tokens``…).
    """

    text: str
    assets: tuple[AssetRef, ...]
    window: TimeRange | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", (self.text or "").strip())
        object.__setattr__(self, "assets", tuple(self.assets))
        if not self.text:
            raise RequestError("the request is empty: type what you want, e.g. 'split into scenes'")
        if len(self.text) > MAX_REQUEST_CHARS:
            raise RequestError(
                f"the request is {len(self.text):,} characters long; "
                f"keep it under {MAX_REQUEST_CHARS:,}"
            )
        if not self.assets:
            raise RequestError("the request names no footage: add a file to the project first")


@dataclass(frozen=True)
class Capabilities:
    """What a backend can answer; the GUI greys out what it cannot."""

    name: str
    temporal: bool = False  # time ranges for a free-text query
    spatial: bool = False  # object tubes (boxes over time)
    chapters: bool = False
    answers: bool = False  # free questions about the footage
    builtin_tasks: tuple[str, ...] = ()  # analyser tasks (scenes, silences, subtitles…)
    needs_gpu: bool = False
    description: str = ""


@runtime_checkable
class Backend(Protocol):
    """One model backend. ``load`` once, ``run`` many times, ``unload`` to free memory.

    ``cancel`` is checked between stages (and inside generation); a cancelled call raises
    :class:`~vidi_desktop.core.errors.CancelledError`. Errors the user can act on are
    :class:`BackendError`; anything else is caught by the runner and reported.
    """

    name: str

    @property
    def capabilities(self) -> Capabilities: ...

    def load(self, progress: ProgressFn, cancel: threading.Event) -> None: ...

    def run(
        self, request: Request, progress: ProgressFn, cancel: threading.Event
    ) -> list[Suggestion]: ...

    def unload(self) -> None: ...
