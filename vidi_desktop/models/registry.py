"""Backends by name, created lazily so that naming one never imports another's libraries."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI reads the names to build --help; it must not load the core
    from vidi_desktop.models.protocol import Backend

BACKENDS: dict[str, tuple[str, str, str]] = {
    # name: (module, class, one line for --help and the Settings dialog)
    "builtin": (
        "vidi_desktop.models.builtin.backend",
        "BuiltinBackend",
        "built-in analysers, CPU, nothing downloaded (scenes, silences, subtitles, faces…)",
    ),
    "qwen-vl": (
        "vidi_desktop.models.vlm.backend",
        "TransformersVLMBackend",
        "Qwen3-VL / Qwen2.5-VL from a local folder via transformers (GPU advised)",
    ),
    "vidi": (
        "vidi_desktop.models.vidi.adapter",
        "VidiBackend",
        "ByteDance Vidi in your own checkout and Python, run as a subprocess",
    ),
}
DEFAULT_BACKEND = "builtin"


def backend_names() -> tuple[str, ...]:
    """The names ``create_backend`` accepts."""
    return tuple(BACKENDS)


def create_backend(name: str, options: Mapping[str, Any] | None = None) -> Backend:
    """A new, unloaded backend ``name`` configured with ``options`` (its constructor's kwargs)."""
    from vidi_desktop.models.protocol import BackendError

    try:
        module_name, class_name, _ = BACKENDS[name]
    except KeyError:
        raise BackendError(
            f"unknown backend {name!r}; choose one of: {', '.join(BACKENDS)}"
        ) from None
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendError(f"backend {name!r} is not available here: {exc}") from exc
    cls = getattr(module, class_name)
    try:
        return cls(**dict(options or {}))
    except TypeError as exc:
        raise BackendError(f"backend {name!r}: bad options: {exc}") from exc
