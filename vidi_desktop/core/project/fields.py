"""Checked reading of JSON objects, with the path of every problem for one-line messages.

The project loader must turn any malformed input into a message such as
``suggestions[3].payload.range: missing 'time_base'``, never a ``KeyError`` traceback. Every
reader of the project file (the schema, each suggestion payload class) goes through
:class:`Fields`, which raises :class:`SchemaError` carrying the JSON path of the problem.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any, Final

from vidi_desktop.core.rate import parse_fraction
from vidi_desktop.core.time import Time, TimeRange


class _Missing:
    """Sentinel type for "no default given" (``None`` is a legitimate default)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


class SchemaError(ValueError):
    """A JSON value does not have the expected shape; ``path`` says where it is."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(path, problem)
        self.path = path
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}" if self.path else self.problem


def type_name(value: object) -> str:
    """The JSON name of a Python value's type, for messages ("a string", "an array")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def join_path(path: str, key: str | int) -> str:
    """``join_path("a", "b")`` → ``a.b``; ``join_path("a", 3)`` → ``a[3]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def parse_time_base(value: object, path: str) -> Fraction:
    """A positive rational time base from ``"1/25"`` or an integer."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise SchemaError(path, f"expected a rational like '1/25', got {type_name(value)}")
    try:
        tb = parse_fraction(value)
    except (ValueError, ZeroDivisionError, TypeError):
        raise SchemaError(path, f"not a rational number: {value!r}") from None
    if tb <= 0:
        raise SchemaError(path, f"must be positive, got {value!r}")
    return tb


class Fields:
    """A JSON object read with checks; each accessor names the key in its error message."""

    __slots__ = ("data", "path")

    def __init__(self, data: object, path: str = "") -> None:
        if not isinstance(data, dict):
            raise SchemaError(path, f"expected an object, got {type_name(data)}")
        self.data: dict[str, Any] = data
        self.path = path

    def sub(self, key: str) -> str:
        """The path of ``key`` inside this object."""
        return join_path(self.path, key)

    def has(self, key: str) -> bool:
        """True when ``key`` is present (even as null)."""
        return key in self.data

    def raw(self, key: str, default: Any = MISSING) -> Any:
        """The value of ``key`` unchecked; a missing key without a default is an error."""
        if key in self.data:
            return self.data[key]
        if default is MISSING:
            raise SchemaError(self.path, f"missing {key!r}")
        return default

    def text(self, key: str, default: Any = MISSING, *, allow_none: bool = False) -> Any:
        """A string (or None when ``allow_none``); ``default`` when the key is absent."""
        if key not in self.data:
            return self.raw(key, default)
        value = self.data[key]
        if value is None and allow_none:
            return None
        if not isinstance(value, str):
            raise SchemaError(self.sub(key), f"expected a string, got {type_name(value)}")
        return value

    def integer(self, key: str, default: Any = MISSING) -> Any:
        """An integer (JSON booleans are refused: ``true`` is not 1 here)."""
        if key not in self.data:
            return self.raw(key, default)
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemaError(self.sub(key), f"expected an integer, got {type_name(value)}")
        return value

    def number(self, key: str, default: Any = MISSING, *, allow_none: bool = False) -> Any:
        """A finite number as a float (or None when ``allow_none``)."""
        if key not in self.data:
            return self.raw(key, default)
        value = self.data[key]
        if value is None and allow_none:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SchemaError(self.sub(key), f"expected a number, got {type_name(value)}")
        if not math.isfinite(value):
            raise SchemaError(self.sub(key), f"expected a finite number, got {value!r}")
        return float(value)

    def mapping(self, key: str, default: Any = MISSING) -> Any:
        """A free-form JSON object (metadata, info), shallow-copied so the caller owns it."""
        if key not in self.data:
            return self.raw(key, default)
        value = self.data[key]
        if not isinstance(value, dict):
            raise SchemaError(self.sub(key), f"expected an object, got {type_name(value)}")
        return dict(value)

    def obj(self, key: str) -> Fields:
        """A nested object, itself read with checks."""
        return Fields(self.raw(key), self.sub(key))

    def array(self, key: str, default: Any = MISSING) -> list[Any]:
        """A JSON array; ``default`` (copied to a list) when the key is absent."""
        if key not in self.data:
            return list(self.raw(key, default))
        value = self.data[key]
        if not isinstance(value, list):
            raise SchemaError(self.sub(key), f"expected an array, got {type_name(value)}")
        return value

    def objects(self, key: str, default: Any = MISSING) -> Iterator[Fields]:
        """Each element of an array of objects, with its index in the path."""
        path = self.sub(key)
        for i, item in enumerate(self.array(key, default)):
            yield Fields(item, join_path(path, i))

    def time(self, key: str) -> Time:
        """A :class:`Time` written as ``{"ticks": int, "time_base": "num/den"}``."""
        f = self.obj(key)
        ticks = f.integer("ticks")
        parse_time_base(f.raw("time_base"), f.sub("time_base"))
        try:
            return Time.from_json(f.data)
        except (ValueError, TypeError, KeyError, ZeroDivisionError) as exc:
            raise SchemaError(f.path, f"not a valid time ({exc}; ticks={ticks})") from None

    def optional_time(self, key: str) -> Time | None:
        """A :class:`Time`, or None when the key is absent or null."""
        return None if self.raw(key, None) is None else self.time(key)

    def time_range(self, key: str) -> TimeRange:
        """A :class:`TimeRange` written as ``{"start", "duration", "time_base"}``."""
        return read_time_range(self.raw(key), self.sub(key))

    def time_ranges(self, key: str, default: Any = MISSING) -> tuple[TimeRange, ...]:
        """An array of :class:`TimeRange`."""
        path = self.sub(key)
        return tuple(
            read_time_range(item, join_path(path, i))
            for i, item in enumerate(self.array(key, default))
        )


def read_time_range(value: object, path: str) -> TimeRange:
    """A :class:`TimeRange` from its JSON form, with a path-named error for each problem."""
    f = Fields(value, path)
    f.integer("start")
    duration = f.integer("duration")
    parse_time_base(f.raw("time_base"), f.sub("time_base"))
    if duration < 0:
        raise SchemaError(f.sub("duration"), f"must not be negative, got {duration}")
    try:
        return TimeRange.from_json(f.data)
    except (ValueError, TypeError, KeyError, ZeroDivisionError) as exc:
        raise SchemaError(path, f"not a valid time range ({exc})") from None
