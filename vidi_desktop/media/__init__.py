"""Everything that touches media bytes, through PyAV: probe, exact seek, analysis decode,
audio, thumbnails and waveforms with an on-disk cache. No Qt, no torch.

PyAV is imported by the submodules, so ``import vidi_desktop.media`` itself stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from vidi_desktop.media.audio import read_audio
    from vidi_desktop.media.decode import iter_frames
    from vidi_desktop.media.probe import AudioInfo, MediaInfo, VideoInfo, probe
    from vidi_desktop.media.reader import VideoReader
    from vidi_desktop.media.thumbnails import thumbnails
    from vidi_desktop.media.waveform import waveform_peaks

_LAZY = {
    "probe": "probe",
    "MediaInfo": "probe",
    "VideoInfo": "probe",
    "AudioInfo": "probe",
    "VideoReader": "reader",
    "iter_frames": "decode",
    "read_audio": "audio",
    "thumbnails": "thumbnails",
    "waveform_peaks": "waveform",
}

__all__ = [
    "AudioInfo",
    "MediaInfo",
    "VideoInfo",
    "VideoReader",
    "iter_frames",
    "probe",
    "read_audio",
    "thumbnails",
    "waveform_peaks",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"vidi_desktop.media.{module}"), name)
