"""The Vidi backend against stand-in runners that speak (or break) the JSON-lines protocol.

Each stand-in is a small Python script written by the test and run as a real subprocess,
exactly as the adapter runs the shipped runner: what is tested is the real pipe handling,
time-outs, kills and restarts. Its behaviour at start comes from ``mode.txt`` in the
"checkpoint" folder; per request, from the query.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import no_progress
from vidi_desktop.core.project import CutRange, HighlightClip
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models import registry
from vidi_desktop.models.protocol import (
    AssetRef,
    Backend,
    BackendError,
    NotSupportedError,
    Request,
    RequestError,
)
from vidi_desktop.models.vidi import adapter as adapter_module
from vidi_desktop.models.vidi import protocol as wire
from vidi_desktop.models.vidi.adapter import VidiBackend

STAND_IN = r'''
import json, os, sys, time

args = sys.argv[1:]
ckpt = args[args.index("--checkpoint") + 1]
def note(name, text):
    with open(os.path.join(ckpt, name), "a") as f:
        f.write(text + "\n")
note("starts.txt", str(os.getpid()))
mode = open(os.path.join(ckpt, "mode.txt")).read().strip()
out = sys.stdout
def send(**msg):
    msg.setdefault("v", 1)
    out.write(json.dumps(msg) + "\n")
    out.flush()

if mode == "exit-before-ready":
    sys.stderr.write("ImportError: No module named 'decord'\n")
    sys.stderr.flush()
    sys.exit(4)
if mode == "fatal":
    send(type="error", id=None, kind="fatal", message="CUDA out of memory while loading")
    sys.exit(3)
if mode == "never-ready":
    time.sleep(60)
if mode == "old-protocol":
    out.write(json.dumps({"v": 0, "type": "ready", "model": "x"}) + "\n")
    out.flush()
    time.sleep(60)
send(type="progress", id=None, fraction=0.5, message="loading shards")
send(type="ready", model="StandIn-9B", family="vidi1.5", device="cpu", runner="1")

for line in sys.stdin:
    msg = json.loads(line)
    note("requests.jsonl", json.dumps(msg))
    if msg["type"] == "shutdown":
        break
    if msg["type"] != "request":
        continue
    rid, query = msg["id"], msg["query"]
    send(type="progress", id=rid, fraction=0.5, message="generating")
    if "slow" in query:
        time.sleep(60)
    elif "crash" in query:
        sys.stderr.write("RuntimeError: CUDA error: device-side assert triggered\n")
        sys.stderr.flush()
        os._exit(7)
    elif "garbage" in query:
        out.write("Loading checkpoint shards: 100%|##########| 4/4\n")
        out.flush()
    elif "cancellable" in query:
        cancel = json.loads(sys.stdin.readline())
        note("requests.jsonl", json.dumps(cancel))
        send(type="error", id=cancel["id"], kind="cancelled", message="cancelled")
    elif "deaf" in query:
        time.sleep(60)  # ignores the cancel
    elif "unsupported" in query:
        send(type="error", id=rid, kind="unsupported", message="time ranges only")
    elif "fail" in query:
        send(type="error", id=rid, kind="failed", message="the video cannot be decoded")
    elif "stale" in query:
        send(type="result", id="r0", text="0.9-1.0")
        send(type="result", id=rid, text="0.0-0.1")
    elif "nothing" in query:
        send(type="result", id=rid, text="I did not see that.")
    else:
        send(type="result", id=rid, text=os.environ.get("STAND_IN_ANSWER", "0.1-0.2, 0.5-0.75"))
'''


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    path = tmp_path / "stand_in.py"
    path.write_text(STAND_IN)
    return path


def make_backend(
    stand_in: Path, tmp_path: Path, mode: str = "normal", timeout_s: float = 20
) -> VidiBackend:
    checkpoint = tmp_path / "Vidi1.5-9B"
    checkpoint.mkdir(exist_ok=True)
    (checkpoint / "mode.txt").write_text(mode)
    return VidiBackend(
        python=sys.executable,
        checkpoint=str(checkpoint),
        timeout_s=timeout_s,
        runner_script=str(stand_in),
    )


def starts(backend: VidiBackend) -> int:
    path = Path(backend.checkpoint or "") / "starts.txt"
    return len(path.read_text().split()) if path.exists() else 0


def sent(backend: VidiBackend) -> list[dict[str, object]]:
    path = Path(backend.checkpoint or "") / "requests.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


ASSET = AssetRef("a1", "/footage/clip.mp4", Fraction(10), Fraction(25))


def ask(text: str, **options: object) -> Request:
    return Request(text, (ASSET,), options=options)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); the adapter reaps its children, so this is enough.
    return True


@pytest.fixture
def backends() -> list[VidiBackend]:
    made: list[VidiBackend] = []
    yield made
    for b in made:
        b.unload()


# -- the happy path ------------------------------------------------------------------------------
def test_answer_becomes_frame_exact_keep_ranges(stand_in: Path, tmp_path: Path, backends) -> None:
    backend = make_backend(stand_in, tmp_path)
    backends.append(backend)
    loading: list[tuple[float | None, str]] = []
    backend.load(lambda f, m: loading.append((f, m)), threading.Event())
    assert backend.loaded
    assert (0.5, "loading shards") in loading and loading[-1] == (1.0, "StandIn-9B ready")
    reports: list[tuple[float | None, str]] = []
    out = backend.run(ask("the red car"), lambda f, m: reports.append((f, m)), threading.Event())

    step = Fraction(1, 25)
    assert [s.payload for s in out] == [
        CutRange(TimeRange(Time(25, step), Time(25, step)), action="keep"),  # 1 s - 2 s
        # 5 s - 7.5 s: 7.5 s is frame 187.5, and a half frame rounds up.
        CutRange(TimeRange(Time(125, step), Time(63, step)), action="keep"),
    ]
    assert all(s.source == "vidi:Vidi1.5-9B" for s in out)
    assert all(s.request == "the red car" and s.asset_id == "a1" for s in out)
    assert out[0].metadata["vidi"]["answer"] == "0.1-0.2, 0.5-0.75"
    # What went over the pipe: an absolute path, the query, the task, the exact duration.
    (request,) = [m for m in sent(backend) if m["type"] == "request"]
    assert request["video"] == os.path.abspath("/footage/clip.mp4")
    assert (request["query"], request["task"]) == ("the red car", "temporal")
    assert request["duration"] == 10
    # The runner's progress is mapped into the run's share of the bar, in order.
    assert reports == [(0.1 + 0.9 * 0.5, "generating"), (1.0, "done")]


def test_highlight_output_and_window(stand_in: Path, tmp_path: Path, backends) -> None:
    backend = make_backend(stand_in, tmp_path)
    backends.append(backend)
    window = TimeRange(Time(0, 1), Time(6, 1))  # the first six seconds
    request = Request("best moments", (ASSET,), window=window, options={"output": "highlight"})
    out = backend.run(request, no_progress, threading.Event())
    assert all(isinstance(s.payload, HighlightClip) for s in out)
    assert [s.payload.range for s in out] == [
        TimeRange.from_frames(25, 50, 25),
        TimeRange.from_frames(125, 150, 25),  # 5 s - 7.5 s cut at the window's end
    ]
    assert out[0].payload.title == "best moments"


def test_run_loads_on_demand_and_keeps_the_runner(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path)
    backends.append(backend)
    for _ in range(3):
        assert len(backend.run(ask("a dog"), no_progress, threading.Event())) == 2
    assert starts(backend) == 1


def test_two_assets_one_request_each(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path)
    backends.append(backend)
    other = AssetRef("a2", "/footage/b.mov", Fraction(1001, 100), Fraction(30000, 1001))
    out = backend.run(Request("x", (ASSET, other)), no_progress, threading.Event())
    assert [s.asset_id for s in out] == ["a1", "a1", "a2", "a2"]
    assert out[2].payload.range == TimeRange.from_frames(30, 60, Fraction(30000, 1001))


def test_late_answer_to_an_old_request_is_ignored(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path)
    backends.append(backend)
    (s,) = backend.run(ask("stale"), no_progress, threading.Event())
    assert s.payload.range == TimeRange.from_frames(0, 25, 25)


# -- failures ------------------------------------------------------------------------------------
def test_slow_answer_times_out_kills_and_restarts(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path, timeout_s=1.5)
    backends.append(backend)
    backend.load(no_progress, threading.Event())
    process = backend._child.process  # type: ignore[union-attr]
    pid = process.pid
    with pytest.raises(BackendError, match=r"no answer within 1\.5 s"):
        backend.run(ask("slow"), no_progress, threading.Event())
    assert not backend.loaded and not alive(pid)
    # Ended by a signal in the middle of its 60 s sleep, not awaited until it answered.
    assert process.returncode is not None and process.returncode < 0
    # The next run starts a new runner.
    assert len(backend.run(ask("a dog"), no_progress, threading.Event())) == 2
    assert starts(backend) == 2


def test_crash_mid_request_reports_status_and_stderr(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path)
    backends.append(backend)
    with pytest.raises(BackendError) as info:
        backend.run(ask("crash"), no_progress, threading.Event())
    message = str(info.value)
    assert "exited while answering" in message
    assert "exit status 7" in message
    assert "device-side assert" in message
    assert not backend.loaded
    assert len(backend.run(ask("a dog"), no_progress, threading.Event())) == 2
    assert starts(backend) == 2


def test_garbage_on_stdout_is_an_error(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path)
    backends.append(backend)
    with pytest.raises(BackendError, match=r"not a protocol message.*Loading checkpoint"):
        backend.run(ask("garbage"), no_progress, threading.Event())
    assert not backend.loaded
    assert len(backend.run(ask("a dog"), no_progress, threading.Event())) == 2


def test_exit_before_ready(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path, mode="exit-before-ready")
    backends.append(backend)
    with pytest.raises(BackendError) as info:
        backend.load(no_progress, threading.Event())
    assert "exited while loading" in str(info.value)
    assert "exit status 4" in str(info.value)
    assert "No module named 'decord'" in str(info.value)
    assert not backend.loaded


def test_fatal_error_while_loading(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path, mode="fatal")
    backends.append(backend)
    with pytest.raises(BackendError, match="Vidi could not load: CUDA out of memory"):
        backend.run(ask("a dog"), no_progress, threading.Event())


def test_never_ready_times_out(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path, mode="never-ready", timeout_s=1)
    backends.append(backend)
    with pytest.raises(BackendError, match="within 1 s while loading"):
        backend.load(no_progress, threading.Event())
    assert not backend.loaded


def test_other_protocol_version_is_refused(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path, mode="old-protocol")
    backends.append(backend)
    with pytest.raises(BackendError, match="protocol version 0"):
        backend.load(no_progress, threading.Event())


def test_failed_request_keeps_the_runner(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path)
    backends.append(backend)
    with pytest.raises(BackendError, match="cannot be decoded"):
        backend.run(ask("fail"), no_progress, threading.Event())
    assert backend.loaded
    with pytest.raises(NotSupportedError, match="time ranges only"):
        backend.run(ask("unsupported", task="grounding"), no_progress, threading.Event())
    assert backend.loaded
    with pytest.raises(BackendError, match="holds no time range"):
        backend.run(ask("nothing"), no_progress, threading.Event())
    assert len(backend.run(ask("a dog"), no_progress, threading.Event())) == 2
    assert starts(backend) == 1


def test_bad_options_and_missing_interpreter(stand_in, tmp_path) -> None:
    backend = make_backend(stand_in, tmp_path)
    with pytest.raises(RequestError, match="unknown Vidi task"):
        backend.run(ask("x", task="captions"), no_progress, threading.Event())
    with pytest.raises(RequestError, match="unknown output"):
        backend.run(ask("x", output="markers"), no_progress, threading.Event())
    missing = VidiBackend(python=str(tmp_path / "no-python"), runner_script=str(stand_in))
    with pytest.raises(BackendError, match=r"interpreter .* not found"):
        missing.load(no_progress, threading.Event())
    assert starts(backend) == 0


# -- cancel --------------------------------------------------------------------------------------
def cancel_when(event: threading.Event, word: str):
    def progress(fraction: float | None, message: str) -> None:
        if word in message:
            event.set()

    return progress


def test_cancel_is_acknowledged_and_the_model_stays(stand_in, tmp_path, backends) -> None:
    backend = make_backend(stand_in, tmp_path)
    backends.append(backend)
    cancel = threading.Event()
    with pytest.raises(CancelledError):
        backend.run(ask("cancellable"), cancel_when(cancel, "generating"), cancel)
    assert backend.loaded
    assert [m["type"] for m in sent(backend)] == ["request", "cancel"]
    assert len(backend.run(ask("a dog"), no_progress, threading.Event())) == 2
    assert starts(backend) == 1


def test_cancel_kills_a_runner_that_does_not_listen(
    stand_in, tmp_path, backends, monkeypatch
) -> None:
    monkeypatch.setattr(adapter_module, "CANCEL_GRACE_S", 0.5)
    backend = make_backend(stand_in, tmp_path)
    backends.append(backend)
    cancel = threading.Event()
    backend.load(no_progress, threading.Event())
    process = backend._child.process  # type: ignore[union-attr]
    with pytest.raises(CancelledError):
        backend.run(ask("deaf"), cancel_when(cancel, "generating"), cancel)
    # Ended by a signal in the middle of its 60 s sleep, not awaited until it answered.
    assert process.returncode is not None and process.returncode < 0
    assert not backend.loaded
    assert len(backend.run(ask("a dog"), no_progress, threading.Event())) == 2
    assert starts(backend) == 2


def test_cancel_before_start_runs_nothing(stand_in, tmp_path) -> None:
    backend = make_backend(stand_in, tmp_path)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CancelledError):
        backend.run(ask("a dog"), no_progress, cancel)
    assert starts(backend) == 0


def test_cancel_while_loading_kills(stand_in, tmp_path) -> None:
    backend = make_backend(stand_in, tmp_path, mode="never-ready")
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    with pytest.raises(CancelledError):
        backend.load(no_progress, cancel)
    assert not backend.loaded


# -- lifecycle -----------------------------------------------------------------------------------
def test_unload_ends_the_runner(stand_in, tmp_path) -> None:
    backend = make_backend(stand_in, tmp_path)
    backend.load(no_progress, threading.Event())
    process = backend._child.process  # type: ignore[union-attr]
    backend.unload()
    assert process.poll() == 0  # it read "shutdown" and exited by itself
    assert sent(backend)[-1]["type"] == "shutdown"
    backend.unload()  # idempotent


def test_registry_creates_the_backend(stand_in) -> None:
    backend = registry.create_backend(
        "vidi", {"python": sys.executable, "runner_script": str(stand_in), "timeout_s": 5}
    )
    assert isinstance(backend, VidiBackend) and isinstance(backend, Backend)
    assert backend.capabilities.temporal and backend.capabilities.needs_gpu
    with pytest.raises(BackendError, match="bad options"):
        registry.create_backend("vidi", {"model": "x"})


# -- the wire format -----------------------------------------------------------------------------
def test_wire_round_trip_and_refusals() -> None:
    line = wire.request_line("r1", "/a.mp4", "dog", "temporal", 12.5, {"max_new_tokens": 64})
    body = json.loads(line)
    assert body == {
        "v": 1, "type": "request", "id": "r1", "video": "/a.mp4", "query": "dog",
        "task": "temporal", "duration": 12.5, "options": {"max_new_tokens": 64},
    }
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert wire.decode(b'{"v":1,"type":"ready","model":"M"}\n') == wire.Ready("M")
    assert wire.decode('{"v":1,"type":"progress","id":null,"fraction":7}') == wire.Progress(
        None, 1.0
    )
    assert wire.decode('{"v":1,"type":"error","id":"r1","kind":"weird"}').kind == "failed"
    for bad in [
        "", "null", "[1]", "{", '{"v":1}', '{"v":2,"type":"ready","model":"M"}',
        '{"v":1,"type":"result","text":"x"}', '{"v":1,"type":"result","id":"r1"}',
        '{"v":1,"type":"progress","fraction":"half"}', '{"v":1,"type":"ready"}',
        b"\xff\xfe", "x" * 10,
    ]:
        with pytest.raises(wire.ProtocolError):
            wire.decode(bad)
    with pytest.raises(ValueError):
        wire.request_line("r1", "/a.mp4", "dog", "captions", 1.0)
    with pytest.raises(ValueError):
        wire.request_line("r1", "/a.mp4", "dog", "temporal", float("nan"))
