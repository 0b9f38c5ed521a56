"""Suggestions as JSON for scripts: the chosen suggestions as the project file stores them.

The document names the project file it came from (``null`` for a project never saved), the
states and kind words asked for, every asset, and the suggestions in document order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from vidi_desktop.core.project import Project, Suggestion, project_to_json
from vidi_desktop.core.project.schema import suggestion_to_json


def write_json(
    project: Project,
    suggestions: Sequence[Suggestion],
    *,
    include: str = "accepted",
    kinds: Sequence[str] | None = None,
    source: str | None = None,
) -> str:
    """The JSON text: ``{"project", "include", "kinds", "assets", "suggestions"}``."""
    doc: dict[str, Any] = {
        "project": source,
        "include": include,
        "kinds": list(kinds) if kinds else None,
        "assets": project_to_json(project)["assets"],
        "suggestions": [suggestion_to_json(s) for s in suggestions],
    }
    return json.dumps(doc, indent=2)
