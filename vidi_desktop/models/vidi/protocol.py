"""The JSON-lines protocol between vidi-desktop and the Vidi runner (version 1).

The runner (``runner_script.py``) runs in the user's own Python, where ByteDance's Vidi code
and its pinned transformers live. The two sides exchange one JSON object per line, UTF-8,
``\\n``-terminated. Every object carries ``"v"`` (the protocol version) and ``"type"``.

Parent → runner (stdin)::

    {"v": 1, "type": "request", "id": "r1", "video": "/abs/clip.mp4", "query": "a red car",
     "task": "temporal", "duration": 42.4, "options": {"max_new_tokens": 1024}}
    {"v": 1, "type": "cancel", "id": "r1"}
    {"v": 1, "type": "shutdown"}

Runner → parent (stdout; the runner sends everything else, including whatever Vidi's code
prints, to stderr)::

    {"v": 1, "type": "ready", "model": "Vidi1.5-9B", "family": "vidi1.5", "device": "cuda",
     "runner": "1"}
    {"v": 1, "type": "progress", "id": "r1", "fraction": 0.5, "message": "generating"}
    {"v": 1, "type": "result", "id": "r1", "text": "0.12-0.34, 0.56-0.61"}
    {"v": 1, "type": "error", "id": "r1", "kind": "failed", "message": "..."}
    {"v": 1, "type": "error", "id": null, "kind": "fatal", "final": true,
     "message": "Vidi needs a CUDA GPU with flash-attn installed"}

``progress`` with ``"id": null`` reports loading. ``error`` kinds: ``failed`` (this request
failed, the runner goes on), ``cancelled`` (the answer to a ``cancel``), ``unsupported``
(the checkpoint cannot do this task), ``fatal`` (the runner cannot go on and exits; sent
instead of ``ready`` when loading fails). ``"final": true`` (optional) marks a message the
runner worded completely (a refusal), to be shown as it is. The result's ``text`` is Vidi's
raw answer: the parent parses it (``parse.py``), so a new output shape never needs a new runner.

A version bump is needed for any change an old peer would misread; new optional fields are
not one. The runner cannot import this module (it runs in another Python without
vidi-desktop), so it keeps its own copy of the version number; a test checks they agree.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

VERSION = 1
"""Protocol version written in every message as ``"v"``."""

TASKS = ("temporal", "grounding")
"""``temporal``: time ranges matching a query (temporal retrieval, what Vidi1.5-9B and
Vidi-7B were released for). ``grounding``: spatio-temporal grounding (ranges with boxes),
reserved for checkpoints that can do it; the released runner answers ``unsupported``."""

ERROR_KINDS = ("failed", "cancelled", "unsupported", "fatal")

MAX_LINE_BYTES = 1 << 20
"""A longer line is a broken peer, not a message."""


class ProtocolError(ValueError):
    """A line that is not a valid message of this protocol version."""


@dataclass(frozen=True)
class Ready:
    """The runner loaded the model and waits for requests."""

    model: str
    family: str = ""
    device: str = ""
    runner: str = ""


@dataclass(frozen=True)
class Progress:
    """How far a request (``id``) or the loading (``id`` None) got."""

    id: str | None
    fraction: float | None
    message: str = ""


@dataclass(frozen=True)
class Result:
    """Vidi's raw answer to request ``id``."""

    id: str
    text: str


@dataclass(frozen=True)
class Error:
    """A request failed (``id``), or the runner cannot go on (``kind == "fatal"``).

    ``final``: the message is the whole story (a refusal the runner worded, such as "Vidi
    needs a CUDA GPU with flash-attn installed"); nothing from its stderr would add to it.
    """

    id: str | None
    kind: str
    message: str
    final: bool = False


Message = Ready | Progress | Result | Error


# -- parent → runner ---------------------------------------------------------------------------
def request_line(
    request_id: str,
    video: str,
    query: str,
    task: str,
    duration: float,
    options: dict[str, Any] | None = None,
) -> bytes:
    """The ``request`` line for one video and query."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r} (known: {', '.join(TASKS)})")
    if not (isinstance(duration, int | float) and math.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be a positive number of seconds, got {duration!r}")
    return _line(
        {
            "type": "request",
            "id": request_id,
            "video": video,
            "query": query,
            "task": task,
            "duration": float(duration),
            "options": dict(options or {}),
        }
    )


def cancel_line(request_id: str) -> bytes:
    """The ``cancel`` line for request ``request_id``."""
    return _line({"type": "cancel", "id": request_id})


def shutdown_line() -> bytes:
    """The ``shutdown`` line (the runner also exits cleanly on end of input)."""
    return _line({"type": "shutdown"})


def _line(fields: dict[str, Any]) -> bytes:
    body = {"v": VERSION, **fields}
    # ensure_ascii keeps every line pure ASCII: no encoding question on any platform.
    return (json.dumps(body, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")


# -- runner → parent ---------------------------------------------------------------------------
def decode(line: bytes | str) -> Message:
    """The message on one line; :class:`ProtocolError` for anything else."""
    if isinstance(line, bytes):
        if len(line) > MAX_LINE_BYTES:
            raise ProtocolError(f"a line of {len(line):,} bytes")
        line = line.decode("utf-8", errors="replace")
    text = line.strip()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError(f"not JSON: {_preview(text)}") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"not a JSON object: {_preview(text)}")
    version = data.get("v")
    if version != VERSION:
        raise ProtocolError(
            f"protocol version {version!r}, this vidi-desktop speaks {VERSION} "
            "(the runner script and vidi-desktop come from different releases)"
        )
    kind = data.get("type")
    if kind == "ready":
        return Ready(
            _text(data, "model", required=True),
            _text(data, "family"),
            _text(data, "device"),
            _text(data, "runner"),
        )
    if kind == "progress":
        return Progress(_optional_id(data), _fraction(data), _text(data, "message"))
    if kind == "result":
        request_id = _optional_id(data)
        if request_id is None:
            raise ProtocolError("a result without an id")
        return Result(request_id, _text(data, "text", required=True, allow_empty=True))
    if kind == "error":
        error_kind = data.get("kind", "failed")
        if error_kind not in ERROR_KINDS:
            error_kind = "failed"  # an unknown kind is still an error, never a crash
        message = _text(data, "message") or "the Vidi runner reported an error without a message"
        return Error(_optional_id(data), error_kind, message, data.get("final") is True)
    raise ProtocolError(f"unknown message type {kind!r}")


def _text(
    data: dict[str, Any], key: str, *, required: bool = False, allow_empty: bool = False
) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not allow_empty and not value):
        raise ProtocolError(f"{data.get('type')} message: {key!r} must be a string")
    return value


def _optional_id(data: dict[str, Any]) -> str | None:
    value = data.get("id")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"{data.get('type')} message: 'id' must be a non-empty string")
    return value


def _fraction(data: dict[str, Any]) -> float | None:
    value = data.get("fraction")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProtocolError(f"progress message: 'fraction' must be a number, got {value!r}")
    return min(1.0, max(0.0, float(value)))


def _preview(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")
