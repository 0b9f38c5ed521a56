"""The Vidi backend: ByteDance Vidi in the user's own Python, driven over JSON lines.

Vidi1.5-9B and Vidi-7B need the user's checkout of github.com/bytedance/vidi and the old
transformers it pins, which cannot live in vidi-desktop's environment — and, as upstream
asserts, a CUDA GPU with flash-attn 2: the runner checks that before importing Vidi's code
and the load fails with that one line otherwise. So ``load`` starts
``runner_script.py`` in the user's interpreter and waits for its ``ready`` line; ``run``
sends one request per asset and reads progress lines until the result. Vidi's answer (a
list of fractions of the duration) becomes exact, frame-snapped ranges: ``CutRange`` to
keep (default) or ``HighlightClip`` (``options["output"] == "highlight"``).

Whatever goes wrong in the child — it exits, hangs past ``timeout_s``, writes something
that is not a protocol line — ends it and raises :class:`BackendError` with the tail of its
stderr; the next ``run`` starts a new one. A cancel asks the child to stop (it keeps the
model loaded) and kills it if it does not answer within a few seconds.
"""

from __future__ import annotations

import collections
import itertools
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import ProgressFn, check_cancel
from vidi_desktop.core.project import CutRange, HighlightClip, Suggestion
from vidi_desktop.core.time import TimeRange
from vidi_desktop.models.protocol import (
    AssetRef,
    BackendError,
    Capabilities,
    NotSupportedError,
    Request,
    RequestError,
)
from vidi_desktop.models.vidi import protocol as wire
from vidi_desktop.models.vidi.parse import parse_ranges
from vidi_desktop.models.vidi.ranges import FrameGrid, to_ranges
from vidi_desktop.models.vlm.tasks import subject

log = logging.getLogger(__name__)

RUNNER_SCRIPT = Path(__file__).with_name("runner_script.py")
CANCEL_GRACE_S = 5.0
"""How long a cancelled request may take to stop before the child is killed."""
STDERR_TAIL_LINES = 20
_POLL_S = 0.05
_EOF = object()
OUTPUTS = ("keep", "highlight")


class VidiBackend:
    """Backend ``vidi``: a Vidi checkpoint served by a runner subprocess.

    ``python`` is the user's interpreter (where Vidi's requirements are installed);
    ``repo_dir`` their checkout of the Vidi repository (its root or the model's folder;
    None if Vidi's code is importable anyway); ``checkpoint`` the downloaded weights'
    folder; ``timeout_s`` bounds loading and each answer; ``runner_script`` replaces the
    shipped runner (a test stand-in, or the user's own variant speaking the protocol).

    Request options: ``output`` (``"keep"``: CutRange to keep, default; ``"highlight"``:
    HighlightClip), ``task`` (``"temporal"``, default), ``max_new_tokens``. Vidi always
    watches the whole file; a request's ``window`` only clips the ranges it returns.
    """

    name = "vidi"

    def __init__(
        self,
        python: str = "python3",
        repo_dir: str | None = None,
        checkpoint: str | None = None,
        timeout_s: float = 600,
        runner_script: str | None = None,
    ) -> None:
        if not isinstance(python, str) or not python:
            raise TypeError("python must name an interpreter")
        if not (isinstance(timeout_s, int | float) and timeout_s > 0):
            raise TypeError(f"timeout_s must be a positive number, got {timeout_s!r}")
        self.python = python
        self.repo_dir = repo_dir
        self.checkpoint = checkpoint
        self.timeout_s = float(timeout_s)
        self.runner_script = runner_script or str(RUNNER_SCRIPT)
        self._child: _Child | None = None
        self._ready: wire.Ready | None = None
        self._ids = itertools.count(1)

    # -- protocol ---------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            name=self.name,
            temporal=True,
            needs_gpu=True,
            description="ByteDance Vidi (temporal retrieval) in your own Python and checkout",
        )

    @property
    def model_name(self) -> str:
        """The checkpoint's name: its folder's, else what the runner reported."""
        if self.checkpoint:
            return Path(self.checkpoint).name or str(self.checkpoint)
        return self._ready.model if self._ready is not None else "vidi"

    @property
    def loaded(self) -> bool:
        """True while a runner is up and ready."""
        return self._child is not None and self._child.alive()

    def load(self, progress: ProgressFn, cancel: threading.Event) -> None:
        """Start the runner and wait for its ``ready`` line (at most ``timeout_s``)."""
        if self.loaded:
            return
        self.unload()
        check_cancel(cancel)
        child = _Child.start(self._command(), cwd=self.repo_dir)
        self._child = child
        progress(0.0, "starting the Vidi runner")
        deadline = time.monotonic() + self.timeout_s
        try:
            while True:
                message = self._next(child, deadline, cancel, "loading")
                if isinstance(message, wire.Ready):
                    self._ready = message
                    log.info("Vidi runner ready: %s", message)
                    progress(1.0, f"{message.model} ready")
                    return
                if isinstance(message, wire.Progress):
                    progress(message.fraction, message.message)
                elif isinstance(message, wire.Error) and message.id is None:
                    if message.final:
                        # The runner's own one-line refusal ("Vidi needs a CUDA GPU with
                        # flash-attn installed"): said as it is, nothing to add.
                        self._failure(child, "")
                        raise BackendError(message.message)
                    raise self._failure(child, f"Vidi could not load: {message.message}")
                # A result or error for some request cannot come before ready: ignore it.
        except BaseException:
            self._kill()
            raise

    def run(
        self, request: Request, progress: ProgressFn, cancel: threading.Event
    ) -> list[Suggestion]:
        """Ask Vidi about each asset of ``request``; the answers as time-range suggestions."""
        check_cancel(cancel)
        task = request.options.get("task", "temporal")
        if task not in wire.TASKS:
            raise RequestError(f"unknown Vidi task {task!r} (known: {', '.join(wire.TASKS)})")
        output = request.options.get("output", "keep")
        if output not in OUTPUTS:
            raise RequestError(f"unknown output {output!r} (known: {', '.join(OUTPUTS)})")
        runner_options = {
            k: request.options[k] for k in ("max_new_tokens",) if k in request.options
        }
        if not self.loaded:
            self.load(lambda f, m: progress(None if f is None else 0.1 * f, m), cancel)
        suggestions: list[Suggestion] = []
        count = len(request.assets)
        for i, asset in enumerate(request.assets):
            base, share = 0.1 + 0.9 * i / count, 0.9 / count

            def report(
                fraction: float | None, message: str, base: float = base, share: float = share
            ) -> None:
                progress(None if fraction is None else base + share * fraction, message)

            asset = _with_duration(asset)
            assert asset.duration is not None
            # Vidi's retrieval prompt asks "During which time segments in the video can we
            # see {query}?": it wants the thing or event, not the editor's whole sentence.
            query = subject(request.text) if task == "temporal" else request.text
            text = self._ask(asset, query, task, asset.duration, runner_options, report, cancel)
            suggestions.extend(self._suggestions(request, asset, text, task, output))
        progress(1.0, "done")
        return suggestions

    def unload(self) -> None:
        """Ask the runner to exit (then end it); idempotent."""
        child, self._child = self._child, None
        self._ready = None
        if child is not None:
            child.stop()

    # -- one request ------------------------------------------------------------------------
    def _ask(
        self,
        asset: AssetRef,
        query: str,
        task: str,
        duration: Fraction,
        options: dict[str, Any],
        progress: ProgressFn,
        cancel: threading.Event,
    ) -> str:
        child = self._child
        if child is None or not child.alive():
            self.load(lambda f, m: None, cancel)
            child = self._child
            assert child is not None
        request_id = f"r{next(self._ids)}"
        video = os.path.abspath(asset.path)
        line = wire.request_line(request_id, video, query, task, float(duration), options)
        if not child.send(line):
            raise self._failure(child, "the Vidi runner stopped before it got the request")
        deadline = time.monotonic() + self.timeout_s
        while True:
            message = self._next(child, deadline, cancel, "answering", request_id)
            if isinstance(message, wire.Progress):
                if message.id == request_id:
                    progress(message.fraction, message.message)
                continue
            if isinstance(message, wire.Result | wire.Error) and message.id not in (
                request_id,
                None,
            ):
                continue  # a late answer to an earlier, cancelled request
            if isinstance(message, wire.Result):
                return message.text
            if isinstance(message, wire.Error):
                if message.kind == "unsupported":
                    raise NotSupportedError(
                        f"{self.model_name}: {message.message}; the qwen-vl backend "
                        "finds objects in space and time"
                    )
                if message.kind == "fatal" or message.id is None:
                    raise self._failure(child, f"the Vidi runner failed: {message.message}")
                # One request failed (a bad file, out of memory…): the runner goes on.
                raise BackendError(f"Vidi could not answer: {message.message}")

    def _next(
        self,
        child: _Child,
        deadline: float,
        cancel: threading.Event,
        doing: str,
        request_id: str | None = None,
    ) -> wire.Message:
        """The next message from ``child``; raises on time-out, cancel, exit or garbage."""
        while True:
            if cancel.is_set():
                self._cancel(child, request_id)
                raise CancelledError("cancelled")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._kill()
                raise BackendError(
                    f"Vidi gave no answer within {self.timeout_s:g} s while {doing}; the runner "
                    "was stopped (raise timeout_s for long videos or slow machines)"
                )
            line = child.next_line(min(_POLL_S, remaining))
            if line is None:
                continue
            if line is _EOF:
                child.wait(2.0)  # let it finish dying: its own exit status says more
                raise self._failure(child, f"the Vidi runner exited while {doing}")
            assert isinstance(line, bytes)
            if not line.strip():
                continue
            try:
                return wire.decode(line)
            except wire.ProtocolError as exc:
                raise self._failure(
                    child, f"the Vidi runner wrote a line that is not a protocol message ({exc})"
                ) from None

    def _cancel(self, child: _Child, request_id: str | None) -> None:
        """Ask the child to drop ``request_id``; kill it unless it says so in time."""
        if request_id is None or not child.send(wire.cancel_line(request_id)):
            self._kill()
            return
        deadline = time.monotonic() + CANCEL_GRACE_S
        while time.monotonic() < deadline:
            line = child.next_line(_POLL_S)
            if line is None:
                continue
            if line is _EOF:
                break
            try:
                message = wire.decode(line)  # type: ignore[arg-type]
            except wire.ProtocolError:
                break
            if isinstance(message, wire.Result | wire.Error) and message.id == request_id:
                return  # stopped (or finished just then): the model stays loaded
        self._kill()

    def _failure(self, child: _Child, what: str) -> BackendError:
        """Kill ``child``; a BackendError naming its exit status and stderr tail."""
        status = child.stop(graceful=False)
        tail = child.stderr_tail()
        if self._child is child:
            self._child = None
            self._ready = None
        detail = f" (exit status {status})" if status not in (None, 0) else ""
        if tail:
            detail += f"; its last output: {tail}"
        return BackendError(what + detail)

    def _kill(self) -> None:
        child, self._child = self._child, None
        self._ready = None
        if child is not None:
            child.stop(graceful=False)

    def _command(self) -> list[str]:
        python = shutil.which(self.python) or self.python
        if not os.path.exists(python):
            raise BackendError(
                f"the Python interpreter {self.python!r} for Vidi was not found; set it to "
                "the python where your Vidi checkout's requirements are installed"
            )
        if not os.path.isfile(self.runner_script):
            raise BackendError(f"the Vidi runner script {self.runner_script} is missing")
        command = [python, "-u", self.runner_script]
        if self.checkpoint:
            command += ["--checkpoint", os.path.abspath(self.checkpoint)]
        if self.repo_dir:
            command += ["--repo-dir", os.path.abspath(self.repo_dir)]
        return command

    # -- answers → suggestions --------------------------------------------------------------
    def _suggestions(
        self,
        request: Request,
        asset: AssetRef,
        text: str,
        task: str,
        output: str,
    ) -> list[Suggestion]:
        duration = asset.duration
        assert duration is not None
        spans = parse_ranges(text, duration)
        if not spans:
            raise BackendError(f"Vidi's answer holds no time range: {text[:120]!r}")
        grid = FrameGrid.for_asset(duration, asset.frame_rate, asset.facts)
        ranges = to_ranges(spans, grid)
        if request.window is not None:
            ranges = [r for r in (x.clamped(request.window) for x in ranges) if r is not None]
        source = f"vidi:{self.model_name}"
        meta = {
            "vidi": {
                "answer": text,
                "task": task,
                "fractions": [[str(a), str(b)] for a, b in spans],
            }
        }
        result = []
        for time_range in ranges:
            payload = _payload(time_range, output, request.text)
            result.append(
                Suggestion.new(
                    asset.asset_id, payload, source, label=request.text[:80], metadata=meta,
                    request=request.text,
                )
            )
        return result


def _payload(time_range: TimeRange, output: str, title: str) -> CutRange | HighlightClip:
    if output == "highlight":
        return HighlightClip(time_range, title=title[:80])
    return CutRange(time_range, action="keep")


def _with_duration(asset: AssetRef) -> AssetRef:
    """``asset`` with its exact duration (and rate), probed when the reference lacks it."""
    if asset.duration is not None and asset.duration > 0:
        return asset
    from vidi_desktop.media.probe import probe

    info = probe(asset.path)
    if info.duration <= 0:
        raise RequestError(f"{asset.path}: duration unknown, Vidi answers in fractions of it")
    rate = info.video.rate.value if info.video is not None and info.video.rate else None
    return AssetRef(asset.asset_id, asset.path, info.duration, rate, info.to_json())


# -- the child process -----------------------------------------------------------------------
class _Child:
    """A runner process with reader threads for its stdout (lines) and stderr (a tail)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self._lines: queue.Queue[object] = queue.Queue()
        self._tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        assert process.stdout is not None and process.stderr is not None
        self._threads = [
            threading.Thread(target=self._read_lines, args=(process.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(process.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @classmethod
    def start(cls, command: list[str], cwd: str | None) -> _Child:
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
        kwargs: dict[str, Any] = {}
        if sys.platform == "win32":
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        else:
            kwargs["start_new_session"] = True  # kill reaches Vidi's ffmpeg children too
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd if cwd and os.path.isdir(cwd) else None,
                env=env,
                **kwargs,
            )
        except OSError as exc:
            raise BackendError(f"cannot start the Vidi runner ({command[0]}): {exc}") from exc
        log.debug("started Vidi runner pid %s: %s", process.pid, command)
        return cls(process)

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float) -> int | None:
        """The exit status once the process ends within ``timeout``, else None."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def send(self, line: bytes) -> bool:
        """Write one line; False if the child no longer reads."""
        stdin = self.process.stdin
        if stdin is None or not self.alive():
            return False
        try:
            stdin.write(line)
            stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return False
        return True

    def next_line(self, timeout: float) -> bytes | object | None:
        """A stdout line, ``_EOF`` at end of output, or None when none came in time."""
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def stderr_tail(self) -> str:
        # Wait briefly for the stderr reader: the last words of a dying child matter most.
        self._threads[1].join(timeout=1.0)
        lines = [line for line in self._tail if line.strip()]
        return " | ".join(lines[-6:])[-800:]

    def stop(self, graceful: bool = True) -> int | None:
        """End the process (asking first when ``graceful``); its exit status."""
        process = self.process
        if graceful and process.poll() is None:
            self.send(wire.shutdown_line())
            self._close_stdin()
            try:
                return process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self._signal(getattr(signal, "SIGKILL", signal.SIGTERM))
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    log.warning("Vidi runner pid %s does not exit", process.pid)
        self._close_stdin()
        return process.poll()

    def _signal(self, sig: int) -> None:
        try:
            if sys.platform != "win32":
                os.killpg(self.process.pid, sig)
            elif sig == signal.SIGTERM:
                self.process.terminate()
            else:
                self.process.kill()
        except (ProcessLookupError, PermissionError, OSError):
            pass

    def _close_stdin(self) -> None:
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except (OSError, ValueError):
            pass

    def _read_lines(self, stream: IO[bytes]) -> None:
        try:
            while True:
                line = stream.readline(wire.MAX_LINE_BYTES + 1)
                if not line:
                    break
                self._lines.put(line)
        except (OSError, ValueError):
            pass
        self._lines.put(_EOF)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        try:
            for raw in stream:
                text = raw.decode("utf-8", errors="replace").rstrip()
                self._tail.append(text)
                log.debug("vidi runner: %s", text)
        except (OSError, ValueError):
            pass
