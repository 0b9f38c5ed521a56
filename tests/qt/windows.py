"""Window helpers the window tests share."""

from __future__ import annotations

from typing import Any


def close_window(window: Any) -> None:
    """Close a test's ``MainWindow`` without its save question: shut its workers down once
    (unless the test already closed it), then close and delete it."""
    if not window._closing:
        window._closing = True
        window.shutdown()
    window.close()
    window.deleteLater()
