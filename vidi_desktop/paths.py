"""Where vidi-desktop keeps its files: platformdirs locations, overridable by environment.

``VIDI_DESKTOP_CACHE_DIR`` and ``VIDI_DESKTOP_DATA_DIR`` override the platform defaults;
tests and CI set them so nothing touches the user's real folders.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "vidi-desktop"


def cache_dir() -> Path:
    """Disposable caches (thumbnails, waveforms, frame indexes)."""
    override = os.environ.get("VIDI_DESKTOP_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """User data worth keeping: autosaves, model weights the user brings, settings."""
    override = os.environ.get("VIDI_DESKTOP_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def models_dir() -> Path:
    """Folder the user puts model weights in (one sub-folder per model)."""
    return data_dir() / "models"


def autosave_dir() -> Path:
    return data_dir() / "autosave"


def resources_dir() -> Path:
    """The ``resources/`` folder: beside the package in a checkout, inside it when installed."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("vidi-desktop's resources folder is missing from this install")


def sample_clip() -> Path:
    """The public-domain sample clip shipped with the app (auto-editor's example, Unlicense)."""
    return resources_dir() / "samples" / "example.mp4"
