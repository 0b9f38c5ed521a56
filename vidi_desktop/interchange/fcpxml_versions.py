"""The FCPXML versions the writer produces, in a module with no imports (the CLI's ``--help``
lists them without loading the writer)."""

from __future__ import annotations

FCPXML_VERSIONS: tuple[str, ...] = tuple(f"1.{n}" for n in range(3, 15))
"""Every version written; each validates against Apple's DTD of that version."""

DEFAULT_VERSION = "1.10"
"""What the export writes unless asked (DaVinci Resolve reads 1.3–1.10)."""
