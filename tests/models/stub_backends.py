"""Small but real backends for runner tests: each implements the protocol, none is a mock.

They answer with real core suggestions, honour the cancel Event, and fail in the ways real
backends do (out of memory, a crash, garbage output), so the runner's handling of each is
exercised through its real code path.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import ProgressFn
from vidi_desktop.core.project import Answer, CutRange, Suggestion
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.protocol import Capabilities, Request


class OutOfMemoryError(RuntimeError):
    """Same name as ``torch.cuda.OutOfMemoryError``, which the runner recognises by name."""


class RecordingBackend:
    """Answers every request; records load/unload calls in a shared journal."""

    def __init__(self, journal: list[str] | None = None, label: str = "rec", **options: Any):
        self.name = label
        self.journal = journal if journal is not None else []
        self.options = options
        self.loaded = False

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(self.name, temporal=True, answers=True)

    def load(self, progress: ProgressFn, cancel: threading.Event) -> None:
        self.journal.append(f"load {self.name}")
        progress(None, "loading weights")
        self.loaded = True

    def run(self, request: Request, progress: ProgressFn, cancel: threading.Event
            ) -> list[Suggestion]:
        assert self.loaded, "run before load"
        self.journal.append(f"run {self.name} {request.text}")
        progress(0.5, "thinking")
        asset = request.assets[0].asset_id
        keep = CutRange(TimeRange.from_start_end(Time(1, 10), Time(2, 10)), "keep")
        return [
            Suggestion.new(asset, Answer(f"{self.name} heard: {request.text}"), self.name),
            Suggestion.new(asset, keep, self.name, request=request.text),
        ]

    def unload(self) -> None:
        self.journal.append(f"unload {self.name}")
        self.loaded = False


class SlowBackend(RecordingBackend):
    """Works in small steps for up to ``seconds``, checking cancel between them."""

    def __init__(self, seconds: float = 5.0, **kw: Any):
        super().__init__(**kw)
        self.seconds = seconds
        self.started = threading.Event()

    def run(self, request: Request, progress: ProgressFn, cancel: threading.Event
            ) -> list[Suggestion]:
        self.started.set()
        end = time.monotonic() + self.seconds
        step = 0
        while time.monotonic() < end:
            if cancel.is_set():
                raise CancelledError("cancelled")
            step += 1
            progress(None, f"step {step}")
            time.sleep(0.01)
        return super().run(request, progress, cancel)


class FailingBackend(RecordingBackend):
    """Fails in ``run`` with the exception given."""

    def __init__(self, error: BaseException, **kw: Any):
        super().__init__(**kw)
        self.error = error

    def run(self, request: Request, progress: ProgressFn, cancel: threading.Event
            ) -> list[Suggestion]:
        raise self.error


class FailingLoadBackend(RecordingBackend):
    def load(self, progress: ProgressFn, cancel: threading.Event) -> None:
        raise FileNotFoundError("model.safetensors")


class GarbageBackend(RecordingBackend):
    """Returns whatever it was given instead of suggestions."""

    def __init__(self, output: Any, **kw: Any):
        super().__init__(**kw)
        self.output = output

    def run(self, request: Request, progress: ProgressFn, cancel: threading.Event) -> Any:
        return self.output


class OutOfMemoryBackend(FailingBackend):
    """Runs out of memory on every request, the way a too-large VLM does."""

    def __init__(self, **kw: Any):
        super().__init__(MemoryError(), **kw)


class NonsenseBackend(GarbageBackend):
    """Answers with a string instead of suggestions."""

    def __init__(self, **kw: Any):
        super().__init__("<t>nonsense", **kw)
