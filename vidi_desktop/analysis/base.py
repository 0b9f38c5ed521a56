"""The interface every visual analyser implements, so one decode pass can feed them all."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from vidi_desktop.media.decode import DecodedFrame
    from vidi_desktop.media.probe import MediaInfo


@runtime_checkable
class FrameAnalyser(Protocol):
    """A visual analyser fed frame by frame by :func:`~.pipeline.run_visual_pass`.

    ``begin`` is called once with the probe facts, ``wants(index)`` before each frame (so an
    analyser sampling 5 frames a second costs nothing on the others), ``feed`` with each
    wanted frame in display order, ``finish`` once at the end; it returns the analyser's
    results (plain data). Analysers never hold on to frames: they keep what they computed.
    """

    name: str

    def begin(self, info: MediaInfo) -> None: ...

    def wants(self, index: int) -> bool: ...

    def feed(self, frame: DecodedFrame) -> None: ...

    def finish(self) -> Any: ...


class EveryNth:
    """Helper for ``wants``: sample a stream at about ``per_second`` frames a second."""

    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self.step = 1

    def begin(self, info: MediaInfo) -> None:
        rate = None
        if info.video is not None:
            rate = info.video.rate.value if info.video.rate else info.video.average_rate
        fps = float(rate) if rate else 25.0
        self.step = max(1, round(fps / self.per_second)) if self.per_second > 0 else 1

    def __call__(self, index: int) -> bool:
        return index % self.step == 0
