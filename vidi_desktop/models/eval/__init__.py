"""Benchmark scoring for the app's model backends: ByteDance's VUE-STG and VUE-TR-V2.

- :mod:`.vue_stg` — spatio-temporal grounding (object tubes: boxes over time).
- :mod:`.vue_tr` — temporal retrieval (time ranges for a text query).
- :mod:`.predict` — run any backend over a VUE query list and write predictions in the
  benchmark's own formats, so the figures compare with the published ones.

The metrics reproduce the numbers ByteDance published for Vidi2 and Gemini-3-Pro from the
released prediction files; where the public evaluation scripts do something the benchmark
description does not say, the module docstrings name it. Pure Python: nothing heavy is
imported here.
"""

from __future__ import annotations

import os
from pathlib import Path

from vidi_desktop.core.errors import VidiError


class EvalFileError(VidiError):
    """A benchmark or prediction file cannot be used; the message names the file and line."""


def mean_defined(values: list[float | None]) -> float | None:
    """The mean of the values that are defined (None where none is)."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def existing_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path, or :class:`EvalFileError` when it is missing or not a file."""
    p = Path(path)
    if not p.exists():
        raise EvalFileError(f"{p}: not found")
    if not p.is_file():
        raise EvalFileError(f"{p}: not a file")
    return p
