"""The project file format: JSON with a schema name, a version, and an upgrade chain.

Version 3 (current)::

    {"schema": "vidi-desktop.project", "version": 3,
     "name": "…", "created": "2025-01-31T12:00:00+00:00", "settings": {…},
     "assets": [{"id", "path", "size", "mtime_ns", "name", "info": {…}}],
     "suggestions": [{"id", "kind", "asset_id", "source", "confidence", "label",
                      "state": "pending" | "accepted" | "rejected", "request", "metadata",
                      "payload": {… as the kind's class writes it …},
                      "removed": [range, …]   (accepted cuts only; absent when unknown)}],
     "edit": [{"id", "asset_id", "range", "suggestion_id"}]}

A time is ``{"ticks": int, "time_base": "num/den"}``, a range ``{"start": int, "duration":
int, "time_base": "num/den"}`` (end excluded), as :mod:`vidi_desktop.core.time` writes them.

Version 2 had no ``speech`` and ``silence_cut`` kinds: speech was a ``cut_range`` with
``action: "keep"`` (label or source "speech"), silence removal a ``cut_range`` cut (label
"silence…", ``metadata.vidi.analyser: "silence"``). :func:`upgrade_2_to_3` gives each its own
kind, so that "speech", "silences" and "cuts" mean one thing each: speech ranges are
information (an accepted one's edit clips stay in the edit, no longer linked to it), silence
cuts keep their state and what they removed.

Version 1 (the first draft, still read) differed in three ways, which
:func:`upgrade_1_to_2` rewrites:

* a suggestion's kind was ``"type"``, its asset ``"asset"``, its source ``"backend"``, and its
  payload fields sat beside these instead of under ``"payload"``;
* the review state was ``"accepted": true`` (accepted), ``false`` (rejected) or ``null`` /
  absent (pending);
* times were exact rational seconds strings: a field ``"<name>_s": "num/den"`` for a time
  (``"time_s"``, ``"duration_s"``) and ``{"start_s": "num/den", "end_s": "num/den"}`` (end
  excluded) for a range; edit clips were ``{"id", "asset", "range", "suggestion"}``.

Bump :data:`CURRENT_VERSION` whenever the meaning of the file changes, and add the step to
:data:`UPGRADES` with a test that loads a file of the old version written inline.

Anything wrong with a file becomes a :class:`CorruptProjectError` (or
:class:`ProjectVersionError` for a newer file) with one line naming the file and the place:
``film.vidi: suggestions[3].payload.range: missing 'time_base'``.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from collections.abc import Callable
from datetime import datetime
from fractions import Fraction
from typing import Any, TypeVar

from vidi_desktop.core.errors import CorruptProjectError, ProjectError, ProjectVersionError
from vidi_desktop.core.project.fields import Fields, SchemaError, join_path, type_name
from vidi_desktop.core.project.model import (
    Asset,
    EditClip,
    Project,
    ReviewState,
    Suggestion,
    payload_class,
)
from vidi_desktop.core.project.plausible import check_asset_facts

log = logging.getLogger(__name__)
_T = TypeVar("_T")

SCHEMA_NAME = "vidi-desktop.project"
CURRENT_VERSION = 3

# -- writing -------------------------------------------------------------------------------------


def project_to_json(project: Project) -> dict[str, Any]:
    """The current-version JSON document of ``project`` (plain dicts and lists)."""
    return {
        "schema": SCHEMA_NAME,
        "version": CURRENT_VERSION,
        "name": project.name,
        "created": project.created,
        "settings": project.settings,
        "assets": [
            {
                "id": a.id,
                "path": a.path,
                "size": a.size,
                "mtime_ns": a.mtime_ns,
                "name": a.name,
                "info": a.info,
            }
            for a in project.assets
        ],
        "suggestions": [suggestion_to_json(s) for s in project.suggestions],
        "edit": [
            {
                "id": c.id,
                "asset_id": c.asset_id,
                "range": c.range.to_json(),
                "suggestion_id": c.suggestion_id,
            }
            for c in project.edit
        ],
    }


def suggestion_to_json(s: Suggestion) -> dict[str, Any]:
    """One suggestion as it is stored in the project file."""
    data: dict[str, Any] = {
        "id": s.id,
        "kind": s.kind,
        "asset_id": s.asset_id,
        "source": s.source,
        "confidence": s.confidence,
        "label": s.label,
        "state": s.state.value,
        "request": s.request,
        "metadata": s.metadata,
        "payload": s.payload.to_json(),
    }
    if s.removed is not None:
        data["removed"] = [r.to_json() for r in s.removed]
    return data


def dumps(project: Project, source: str = "project") -> bytes:
    """The project file's bytes (UTF-8 JSON).

    Raises :class:`ProjectError` naming the value that JSON cannot hold (a set, an object, a
    NaN, a non-string key in metadata) before anything is written anywhere.
    """
    data = project_to_json(project)
    problem = find_unserialisable(data)
    if problem is not None:
        raise ProjectError(_one_line(f"{source}: cannot save: {problem}"))
    # Compact: tubes hold thousands of boxes; indenting would multiply the file's size.
    try:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:
        raise ProjectError(_one_line(f"{source}: cannot save: {exc}")) from None
    return (text + "\n").encode("utf-8")


def find_unserialisable(value: Any, path: str = "") -> str | None:
    """``"path: why"`` for the first value JSON would refuse or change, else None.

    Tuples are allowed (they come back as lists); non-string keys are not, since ``json``
    would silently turn ``1`` into ``"1"`` and the project would not read back the same.
    """
    if value is None or isinstance(value, bool | str | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path or 'value'}: {value!r} is not JSON"
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = find_unserialisable(item, join_path(path, i))
            if found is not None:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{path or 'value'}: key {key!r} is not a string"
            found = find_unserialisable(item, join_path(path, key))
            if found is not None:
                return found
        return None
    return f"{path or 'value'}: {type_name(value)} cannot be saved in JSON"


# -- reading -------------------------------------------------------------------------------------


def loads(data: bytes | str, source: str = "project") -> Project:
    """Read a project from the file's bytes; ``source`` (the path) starts every message.

    Raises :class:`CorruptProjectError` or :class:`ProjectVersionError`, never anything else.
    """
    if isinstance(data, bytes):
        try:
            # A BOM (Windows editors add one) is harmless: accept it.
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CorruptProjectError(
                _one_line(
                    f"{source}: not a project file (not UTF-8 text: byte "
                    f"0x{data[exc.start]:02x} at offset {exc.start})"
                )
            ) from None
    else:
        text = data
    if not text.strip():
        raise CorruptProjectError(_one_line(f"{source}: empty file, not a project"))
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise CorruptProjectError(
            _one_line(
                f"{source}: not valid JSON ({exc.msg}: line {exc.lineno} column {exc.colno});"
                " the file is damaged or truncated"
            )
        ) from None
    except (ValueError, RecursionError) as exc:
        raise CorruptProjectError(_one_line(f"{source}: not valid JSON ({exc})")) from None
    return project_from_json(document, source)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a project can hold")


MAX_DIGITS = 30
"""No count, size, time or tick in a project needs more digits (ns since 1970 has 19); a
4299-digit number is a hand edit that would overflow every float it meets."""


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise ValueError(f"a number with {digits} digits is no count or time a project holds")
    return int(text)


def project_from_json(data: Any, source: str = "project") -> Project:
    """Build a :class:`Project` from a parsed JSON document of any readable version.

    The input is not modified. Raises :class:`CorruptProjectError` or
    :class:`ProjectVersionError` with a one-line message.
    """
    try:
        version = check_header(data)
    except SchemaError as exc:
        raise CorruptProjectError(_one_line(f"{source}: {exc}")) from None
    if version > CURRENT_VERSION:
        raise ProjectVersionError(
            _one_line(
                f"{source}: written by a newer vidi-desktop (project version {version}); "
                f"this one reads up to {CURRENT_VERSION}"
            )
        )
    try:
        return _read_current(upgrade(data, version))
    except SchemaError as exc:
        note = "" if version == CURRENT_VERSION else f" (in a version {version} file)"
        raise CorruptProjectError(_one_line(f"{source}: {exc}{note}")) from None
    except (ProjectError, MemoryError):
        raise
    except Exception as exc:
        # The contract is a one-line message, never a traceback; a check we forgot still
        # ends here, with the details in the log for whoever debugs it.
        log.debug("unexpected error reading %s", source, exc_info=True)
        raise CorruptProjectError(
            _one_line(f"{source}: not a valid project ({type(exc).__name__}: {exc})")
        ) from None


def check_header(data: Any) -> int:
    """The version of a project document, after checking it is one; SchemaError otherwise."""
    if not isinstance(data, dict):
        raise SchemaError(
            "", f"not a vidi-desktop project (the top level is {type_name(data)}, not an object)"
        )
    if "schema" not in data:
        raise SchemaError("", "not a vidi-desktop project (no 'schema' key)")
    if data["schema"] != SCHEMA_NAME:
        raise SchemaError("", f"not a vidi-desktop project (schema is {data['schema']!r})")
    if "version" not in data:
        raise SchemaError("", "missing 'version'")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise SchemaError("version", f"expected an integer, got {type_name(version)}")
    if version < 1:
        raise SchemaError("version", f"unknown project version {version}")
    return version


def upgrade(data: dict[str, Any], version: int) -> dict[str, Any]:
    """Apply the upgrade steps from ``version`` to :data:`CURRENT_VERSION` (input untouched)."""
    for step in range(version, CURRENT_VERSION):
        data = UPGRADES[step](data)
    return data


def _read_current(data: dict[str, Any]) -> Project:
    f = Fields(data)
    created = f.text("created")
    try:
        datetime.fromisoformat(created)
    except ValueError:
        raise SchemaError("created", f"not an ISO 8601 date: {created!r}") from None
    assets = tuple(_read_asset(a) for a in f.objects("assets"))
    suggestions = tuple(_read_suggestion(s) for s in f.objects("suggestions"))
    edit = tuple(_read_clip(c) for c in f.objects("edit"))
    try:
        return Project(
            assets=assets,
            suggestions=suggestions,
            edit=edit,
            name=f.text("name"),
            created=created,
            settings=f.mapping("settings", {}),
        )
    except (ValueError, TypeError) as exc:
        # Project's own checks (duplicate ids, dangling references) already name the place.
        raise SchemaError("", str(exc)) from None


def _build(path: str, make: Callable[[], _T]) -> _T:
    """Run a constructor, turning its validation errors into a SchemaError at ``path``."""
    try:
        return make()
    except SchemaError:
        raise
    except (ValueError, TypeError) as exc:
        raise SchemaError(path, str(exc)) from None


def _read_asset(f: Fields) -> Asset:
    check_asset_facts(f.mapping("info", {}), f.sub("info"))
    return _build(
        f.path,
        lambda: Asset(
            f.text("id"),
            f.text("path"),
            f.integer("size"),
            f.integer("mtime_ns"),
            f.text("name", ""),
            f.mapping("info", {}),
        ),
    )


def _read_suggestion(f: Fields) -> Suggestion:
    kind = f.text("kind")
    try:
        cls = payload_class(kind)
    except KeyError as exc:
        raise SchemaError(f.sub("kind"), str(exc.args[0])) from None
    payload = _build(f.sub("payload"), lambda: cls.from_json(f.obj("payload")))
    state = f.text("state", "pending")
    if state not in {s.value for s in ReviewState}:
        raise SchemaError(f.sub("state"), f"expected pending, accepted or rejected, got {state!r}")
    removed = f.time_ranges("removed") if f.raw("removed", None) is not None else None
    return _build(
        f.path,
        lambda: Suggestion(
            id=f.text("id"),
            asset_id=f.text("asset_id"),
            payload=payload,
            source=f.text("source"),
            confidence=f.number("confidence", None, allow_none=True),
            label=f.text("label", ""),
            state=ReviewState(state),
            metadata=f.mapping("metadata", {}),
            request=f.text("request", None, allow_none=True),
            removed=removed,
        ),
    )


def _read_clip(f: Fields) -> EditClip:
    return _build(
        f.path,
        lambda: EditClip(
            f.text("id"),
            f.text("asset_id"),
            f.time_range("range"),
            f.text("suggestion_id", None, allow_none=True),
        ),
    )


# -- upgrades ------------------------------------------------------------------------------------

_V1_SUGGESTION_KEYS = frozenset(
    {"id", "type", "asset", "backend", "confidence", "label", "accepted", "metadata", "request"}
)


def upgrade_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 → 2: nested payloads, a ``state`` string, ticks instead of seconds strings."""
    out = copy.deepcopy(data)
    f = Fields(out)
    out["suggestions"] = [_upgrade_suggestion_1(s) for s in f.objects("suggestions", ())]
    out["edit"] = [
        {
            "id": c.raw("id"),
            "asset_id": c.raw("asset"),
            "range": _range_from_seconds(c.obj("range")),
            "suggestion_id": c.raw("suggestion", None),
        }
        for c in f.objects("edit", ())
    ]
    out["version"] = 2
    return out


def _upgrade_suggestion_1(f: Fields) -> dict[str, Any]:
    accepted = f.raw("accepted", None)
    if accepted is None:
        state = "pending"
    elif isinstance(accepted, bool):
        state = "accepted" if accepted else "rejected"
    else:
        raise SchemaError(f.sub("accepted"), f"expected true, false or null, got {accepted!r}")
    payload = {
        # v1 kept payload fields beside the others: paths in messages name them there.
        key: _upgrade_payload_value(value, f.sub(key))
        for key, value in f.data.items()
        if key not in _V1_SUGGESTION_KEYS
    }
    # "time_s" → "time": the seconds suffix goes with the seconds encoding.
    payload = {k.removesuffix("_s") if k.endswith("_s") else k: v for k, v in payload.items()}
    return {
        "id": f.raw("id"),
        "kind": f.raw("type"),
        "asset_id": f.raw("asset"),
        "source": f.raw("backend"),
        "confidence": f.raw("confidence", None),
        "label": f.raw("label", ""),
        "state": state,
        "request": f.raw("request", None),
        # Metadata is the user's and the models': carried over untouched, unknown keys too.
        "metadata": f.raw("metadata", {}),
        "payload": payload,
    }


def _upgrade_payload_value(value: Any, path: str) -> Any:
    """Convert v1 time encodings anywhere inside a payload value (ranges in lists, words…)."""
    if isinstance(value, dict):
        if set(value) == {"start_s", "end_s"}:
            return _range_from_seconds(Fields(value, path))
        converted: dict[str, Any] = {}
        for key, item in value.items():
            if key.endswith("_s"):
                converted[key.removesuffix("_s")] = _time_from_seconds(item, join_path(path, key))
            else:
                converted[key] = _upgrade_payload_value(item, join_path(path, key))
        return converted
    if isinstance(value, list):
        return [_upgrade_payload_value(item, join_path(path, i)) for i, item in enumerate(value)]
    if isinstance(value, str) and path.endswith("_s"):
        return _time_from_seconds(value, path)
    return value


def _seconds(value: Any, path: str) -> Fraction:
    if not isinstance(value, str):
        raise SchemaError(
            path, f"expected rational seconds like '1001/30000', got {type_name(value)}"
        )
    try:
        return Fraction(value.strip())
    except (ValueError, ZeroDivisionError):
        raise SchemaError(path, f"not a rational number of seconds: {value!r}") from None


def _time_from_seconds(value: Any, path: str) -> Any:
    if value is None:
        return None
    seconds = _seconds(value, path)
    return {"ticks": seconds.numerator, "time_base": f"1/{seconds.denominator}"}


def _range_from_seconds(f: Fields) -> dict[str, Any]:
    start = _seconds(f.raw("start_s"), f.sub("start_s"))
    end = _seconds(f.raw("end_s"), f.sub("end_s"))
    if end < start:
        raise SchemaError(f.path, f"ends ({end}) before it starts ({start})")
    # The coarsest base that holds both ends exactly.
    base = Fraction(1, math.lcm(start.denominator, end.denominator))
    return {
        "start": int(start / base),
        "duration": int((end - start) / base),
        "time_base": f"{base.numerator}/{base.denominator}",
    }


def upgrade_2_to_3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 → 3: speech keeps become ``speech`` ranges, silence cuts ``silence_cut``s."""
    out = copy.deepcopy(data)
    f = Fields(out)
    unlinked: set[str] = set()
    suggestions = []
    for s in f.objects("suggestions", ()):
        item = dict(s.data)
        role = _v2_cut_range_role(s)
        if role is not None:
            item["kind"] = role
            item["payload"] = {"range": s.obj("payload").raw("range")}
            if role == "speech":
                item.pop("removed", None)
                if item.get("state") == "accepted":
                    unlinked.add(s.raw("id"))
        suggestions.append(item)
    out["suggestions"] = suggestions
    out["edit"] = [
        {**c.data, "suggestion_id": None} if c.raw("suggestion_id", None) in unlinked else c.data
        for c in f.objects("edit", ())
    ]
    out["version"] = 3
    return out


def _v2_cut_range_role(f: Fields) -> str | None:
    """"speech" or "silence_cut" for a version-2 cut range that was one, else None."""
    if f.raw("kind", None) != "cut_range":
        return None
    payload = f.obj("payload")
    action = payload.raw("action", "cut")
    label = f.raw("label", "")
    label = label.lower() if isinstance(label, str) else ""
    source = f.raw("source", "")
    source = source.lower() if isinstance(source, str) else ""
    metadata = f.raw("metadata", {})
    vidi = metadata.get("vidi", {}) if isinstance(metadata, dict) else {}
    analyser = vidi.get("analyser") if isinstance(vidi, dict) else None
    if action == "keep" and (
        label == "speech" or source.endswith(".speech") or analyser == "speech"
    ):
        return "speech"
    if action == "cut" and (
        analyser == "silence" or label.startswith("silence")
        or source.endswith((".silence", ".silences"))
    ):
        return "silence_cut"
    return None


UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: upgrade_1_to_2,
    2: upgrade_2_to_3,
}
"""Version N → N+1 steps, applied in order from a file's version up to the current one."""


def _one_line(message: str) -> str:
    return " ".join(message.split("\n"))
