"""How long "Preview" plays around a cut: the pre-roll before the join and the post-roll after.

Editors judge a cut by what leads into it and out of it, a silence cut by ear: by default
2 s each side, as NLEs' "play around" does. Stored with the other settings (QSettings);
the Settings dialog edits them.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings

PREROLL_KEY = "preview/preroll_s"
POSTROLL_KEY = "preview/postroll_s"
DEFAULT_ROLL_S = 2.0
MAX_ROLL_S = 30.0


@dataclass(frozen=True, slots=True)
class PreviewSettings:
    """Seconds played before and after a join."""

    preroll_s: float = DEFAULT_ROLL_S
    postroll_s: float = DEFAULT_ROLL_S


def load_preview_settings(settings: QSettings | None = None) -> PreviewSettings:
    """The stored pre/post-roll; a missing or unusable value reads as the default."""
    from vidi_desktop.qt.settings_dialog import app_settings

    s = settings or app_settings()

    def read(key: str) -> float:
        try:
            value = float(s.value(key, DEFAULT_ROLL_S))
        except (TypeError, ValueError):
            return DEFAULT_ROLL_S
        return value if 0.0 <= value <= MAX_ROLL_S else DEFAULT_ROLL_S

    return PreviewSettings(read(PREROLL_KEY), read(POSTROLL_KEY))


def save_preview_settings(values: PreviewSettings, settings: QSettings | None = None) -> None:
    """Store the pre/post-roll (synced at once)."""
    from vidi_desktop.qt.settings_dialog import app_settings

    s = settings or app_settings()
    s.setValue(PREROLL_KEY, float(values.preroll_s))
    s.setValue(POSTROLL_KEY, float(values.postroll_s))
    s.sync()
