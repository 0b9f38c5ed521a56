"""QSettings kept out of the user's settings: every read and write of a test in its own
folder (the window remembers layouts, formats, presets and views there)."""

from __future__ import annotations

from pathlib import Path


def isolate_qsettings(folder: Path) -> None:
    """Point QSettings' user and system scopes, in both formats, at ``folder``."""
    from PySide6.QtCore import QSettings

    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, str(folder / "system"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
