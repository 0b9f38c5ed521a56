"""vidi-desktop's Vidi runner: serves ByteDance Vidi checkpoints over JSON lines.

This file runs in *your* Python, the one where your checkout of github.com/bytedance/vidi
and its pinned transformers are installed; vidi-desktop starts it as a subprocess::

    python runner_script.py --repo-dir ~/src/vidi --checkpoint ~/models/Vidi1.5-9B

It reads requests from stdin and writes progress, results and errors to stdout, one JSON
object a line (the protocol is described in vidi-desktop's ``models/vidi/protocol.py``,
version below). Anything Vidi's own code prints goes to stderr, so stdout stays clean.
It exits on ``shutdown`` or end of input.

Only the standard library is imported at top level, and nothing of vidi-desktop: torch and
Vidi's modules are imported once the model is loaded. Keep it runnable on Python 3.8+.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import queue
import shutil
import sys
import threading
import time
import traceback

PROTOCOL_VERSION = 1
RUNNER_VERSION = "1"

# What each released checkpoint needs, from the repository's own inference scripts:
# the folder of its code, its module names, and the prompt it was trained with.
FAMILIES = {
    "vidi1.5": {
        "folder": "Vidi1.5_9B",
        "constants": "vidi.constants",
        "builder": "vidi.model.builder",
        "images": "vidi.dataset.img_utils",
        "text": "vidi.dataset.txt_utils",
        "video": "vidi.dataset.vid_utils",
        "marker": os.path.join("vidi", "model", "builder.py"),
        "model_type": "dattn_gemma2",
        "name": "Vidi1.5-9B",
    },
    "vidi-7b": {
        "folder": "Vidi_7B",
        "constants": "model.constants",
        "builder": "model.builder",
        "images": "model.img_utils",
        "text": "model.txt_utils",
        "video": "model.vid_utils",
        "marker": os.path.join("model", "builder.py"),
        "model_type": "dattn_mistral",
        "name": "Vidi-7B",
    },
}


class RunnerError(Exception):
    """A problem with a one-line message for the editor."""


class Cancelled(Exception):
    """The request was cancelled (or the parent went away) during inference."""


class Unsupported(RunnerError):
    """The checkpoint cannot do the task asked for."""


# -- the channel ------------------------------------------------------------------------------
class Channel:
    """The protocol side of stdout; the real fd 1 is handed to stderr for everyone else."""

    def __init__(self) -> None:
        sys.stdout.flush()
        fd = os.dup(1)
        os.dup2(2, 1)  # print() in Vidi's code and C libraries' output now reach stderr
        self._out = os.fdopen(fd, "w", encoding="utf-8", newline="\n", buffering=1)
        self._lock = threading.Lock()

    def send(self, message_type: str, **fields: object) -> None:
        body = {"v": PROTOCOL_VERSION, "type": message_type}
        body.update(fields)
        line = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
        with self._lock:
            try:
                self._out.write(line + "\n")
                self._out.flush()
            except (BrokenPipeError, OSError):
                pass  # the parent is gone; the input side will see end of file


class Inbox:
    """Reads stdin on a thread: requests queue up, ``cancel`` and end of input set flags."""

    def __init__(self, channel: Channel) -> None:
        self.requests: queue.Queue = queue.Queue()
        self.closed = threading.Event()
        self.current: str | None = None
        self.cancelled: set = set()
        self._lock = threading.Lock()
        self._channel = channel
        threading.Thread(target=self._read, name="vidi-runner-stdin", daemon=True).start()

    def should_stop(self, request_id: str) -> bool:
        with self._lock:
            return self.closed.is_set() or request_id in self.cancelled

    def _read(self) -> None:
        stream = sys.stdin.buffer
        while True:
            try:
                line = stream.readline()
            except (OSError, ValueError):
                line = b""
            if not line:
                break
            if not line.strip():
                continue
            try:
                message = json.loads(line.decode("utf-8", errors="replace"))
                if not isinstance(message, dict):
                    raise ValueError("not an object")
            except ValueError:
                self._channel.send(
                    "error", id=None, kind="failed", message="the runner got a non-JSON line"
                )
                continue
            kind = message.get("type")
            if message.get("v") != PROTOCOL_VERSION:
                self._channel.send(
                    "error",
                    id=message.get("id") if isinstance(message.get("id"), str) else None,
                    kind="failed",
                    message="protocol version {!r}, this runner speaks {}".format(
                        message.get("v"), PROTOCOL_VERSION
                    ),
                )
            elif kind == "request":
                self.requests.put(message)
            elif kind == "cancel":
                with self._lock:
                    self.cancelled.add(message.get("id"))
            elif kind == "shutdown":
                break
        with self._lock:
            self.closed.set()
        self.requests.put(None)


# -- finding and loading Vidi -----------------------------------------------------------------
def read_model_type(checkpoint: str) -> str:
    try:
        with open(os.path.join(checkpoint, "config.json"), encoding="utf-8") as f:
            value = json.load(f).get("model_type", "")
        return value if isinstance(value, str) else ""
    except (OSError, ValueError, AttributeError):
        return ""


def choose_family(repo_dir: str | None, checkpoint: str, family: str) -> tuple:
    """``(family, code folder or None)`` from the options, the checkpoint and the checkout.

    The family comes from ``--family``, else the checkpoint's ``model_type``; when neither
    says, the checkout decides (its name only breaks a tie between both models' code).
    """
    candidates = [family]
    if family == "auto":
        model_type = read_model_type(checkpoint)
        candidates = [n for n, spec in FAMILIES.items() if spec["model_type"] == model_type]
        if not candidates:
            lowered = os.path.basename(os.path.normpath(checkpoint)).lower()
            seven = "7b" in lowered or "mistral" in lowered
            candidates = ["vidi-7b", "vidi1.5"] if seven else ["vidi1.5", "vidi-7b"]
    for name in candidates:
        if name not in FAMILIES:
            raise RunnerError(
                "unknown Vidi family {!r} (known: {})".format(name, ", ".join(FAMILIES))
            )
    if not repo_dir:
        return candidates[0], None
    for name in candidates:
        spec = FAMILIES[name]
        for folder in (repo_dir, os.path.join(repo_dir, spec["folder"])):
            if os.path.isfile(os.path.join(folder, spec["marker"])):
                return name, os.path.abspath(folder)
    spec = FAMILIES[candidates[0]]
    raise RunnerError(
        "{} is not a checkout of github.com/bytedance/vidi with {}'s code "
        "(looked for {} and {}/{})".format(
            repo_dir, spec["name"], spec["marker"], spec["folder"], spec["marker"]
        )
    )


REQUIREMENT = "Vidi needs a CUDA GPU with flash-attn installed"
"""Upstream's attention asserts FlashAttention 2 (≥ 2.6) at import and its model runs only
with it, so on CUDA: say so before any of its code is imported."""
MIN_FLASH_ATTN = (2, 6)


def missing_requirements(torch, device: str):
    """None when Vidi can run on ``device`` here, else the one line that says why not."""
    cuda = device in ("auto", "cuda") or device.startswith("cuda:")
    if not cuda or not torch.cuda.is_available():
        return REQUIREMENT
    if importlib.util.find_spec("flash_attn") is None:
        return REQUIREMENT
    try:
        from importlib.metadata import version

        found = version("flash-attn")
        numbers = tuple(int(x) for x in found.split(".")[:2])
    except Exception:  # a build without metadata: upstream's own assert will tell
        return None
    if numbers < MIN_FLASH_ATTN:
        return f"{REQUIREMENT} (version 2.6 or newer; found {found})"
    return None


def stale_checkout(code_dir, family: str):
    """A message when the checkout predates upstream's fix of 2026-01-12 (f7c8a44), whose
    Vidi-7B loader refused a checkpoint folder without "mistral" in its name; else None."""
    if code_dir is None or family != "vidi-7b":
        return None
    try:
        with open(os.path.join(code_dir, "model", "__init__.py"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    if "Unsupported model type" in text:
        return (
            "your checkout of github.com/bytedance/vidi is older than January 2026 and its "
            "Vidi-7B loader refuses this checkpoint's folder name; update it (git pull)"
        )
    return None


class Engine:
    """One loaded Vidi checkpoint, answering like the repository's ``inference.py``."""

    def __init__(self, args: argparse.Namespace, report) -> None:
        checkpoint = args.checkpoint
        if not checkpoint:
            raise RunnerError("no checkpoint folder given (--checkpoint)")
        if not os.path.isdir(checkpoint):
            raise RunnerError(f"the checkpoint folder {checkpoint} does not exist")
        if shutil.which("ffmpeg") is None:
            raise RunnerError(
                "ffmpeg is not on PATH for this Python; Vidi reads the audio track with it"
            )
        self.family, code_dir = choose_family(args.repo_dir, checkpoint, args.family)
        spec = FAMILIES[self.family]
        stale = stale_checkout(code_dir, self.family)
        if stale:
            raise RunnerError(stale)
        try:
            import torch
        except ImportError:
            raise RunnerError("this Python has no torch: install Vidi's requirements") from None
        missing = missing_requirements(torch, args.device)
        if missing:
            raise RunnerError(missing)
        if code_dir is not None:
            sys.path.insert(0, code_dir)
            os.chdir(code_dir)  # the repository's scripts are run from this folder
        report(0.05, "importing Vidi's code")
        try:
            self.constants = importlib.import_module(spec["constants"])
            builder = importlib.import_module(spec["builder"])
            self.images = importlib.import_module(spec["images"])
            self.text = importlib.import_module(spec["text"])
            self.video = importlib.import_module(spec["video"])
        except ImportError as exc:
            raise RunnerError(
                "cannot import {}'s code ({}: {}); check repo_dir and that this Python has "
                "the repository's requirements installed".format(
                    spec["name"], type(exc).__name__, exc
                )
            ) from None
        self.torch = torch
        self.device = "cuda" if args.device == "auto" else args.device
        report(0.1, "loading {} on {}".format(spec["name"], self.device))
        # Vidi's loader retries five times and then raises a misleading ConnectionError;
        # the real cause has been printed to stderr by then, and reaches the editor there.
        loaded = builder.load_pretrained_model(
            checkpoint, device=self.device, use_flash_attn=True
        )
        self.model, self.tokenizer, self.image_processor, self.audio_processor = loaded
        self.model.config.mm_splits = 32  # as the repository's inference.py sets it
        self.dtype = getattr(self.model, "dtype", torch.float16)
        self.name = os.path.basename(os.path.normpath(checkpoint)) or spec["name"]
        self.max_new_tokens = args.max_new_tokens

    def prompt(self, query: str, duration: float) -> str:
        query = query[:-1] if query.endswith(".") else query
        if self.family == "vidi-7b":
            return (
                "Given the frames from a video, answer the time range in percentage that "
                "corresponds to query text split by comma. "
                f"Video length is: {duration:.2f} and text query is: {query}."
            )
        return f"During which time segments in the video can we see {query}?"

    def answer(self, request: dict, report, should_stop) -> str:
        if request["task"] != "temporal":
            raise Unsupported(
                "{} answers time ranges only (task 'temporal'), not {!r}".format(
                    self.name, request["task"]
                )
            )
        torch = self.torch
        video_path = request["video"]
        if not os.path.isfile(video_path):
            raise RunnerError(f"the video {video_path} does not exist")
        report(0.05, "reading frames")
        frames = self.video.load_video(video_path)
        frames = self.images.process_images(frames, self.image_processor, self.model.config)
        frames = frames.unsqueeze(0).to(device=self.device, dtype=self.dtype)
        if should_stop():
            raise Cancelled()
        report(0.25, "reading audio")
        audio = self.video.load_audio(video_path, self.audio_processor.sampling_rate)
        audio, audio_size = self.video.process_audio(audio, self.audio_processor)
        audio = audio.unsqueeze(0).to(device=self.device, dtype=self.dtype)
        if should_stop():
            raise Cancelled()
        question = self.constants.DEFAULT_IMAGE_TOKEN + "\n" + self.prompt(
            request["query"], float(request["duration"])
        )
        prompt = self.text.preprocess_chat([{"from": "human", "value": question}], self.tokenizer)
        input_ids = self.text.tokenizer_image_token(
            prompt, self.tokenizer, self.constants.IMAGE_TOKEN_INDEX, return_tensors="pt"
        )
        input_ids = input_ids.unsqueeze(0).to(self.device)
        options = request.get("options") or {}
        kwargs = {
            "images": frames,
            "audios": audio,
            "audio_sizes": [audio_size],
            "do_sample": False,
            "max_new_tokens": int(options.get("max_new_tokens", self.max_new_tokens)),
            "use_cache": True,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if self.family == "vidi1.5":
            kwargs["disable_compile"] = True
        criteria = stop_criteria(torch, should_stop)
        if criteria is not None:
            kwargs["stopping_criteria"] = criteria
        report(0.4, "generating")
        with torch.inference_mode():
            output = self.model.generate(input_ids, **kwargs)
        if should_stop():
            raise Cancelled()
        return self.tokenizer.batch_decode(output, skip_special_tokens=True)[0].strip()


def stop_criteria(torch, should_stop):
    """A transformers stopping criterion that ends generation on cancel (None if absent)."""
    try:
        from transformers import StoppingCriteria, StoppingCriteriaList
    except ImportError:
        return None

    class StopOnCancel(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            flag = bool(should_stop())
            size = (input_ids.shape[0],)
            return torch.full(size, flag, dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([StopOnCancel()])


# -- the loop ---------------------------------------------------------------------------------
def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if isinstance(exc, RunnerError):
        return first or type(exc).__name__
    if "out of memory" in first.lower():
        return "out of GPU memory: " + first
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def serve(engine: Engine, channel: Channel, inbox: Inbox) -> None:
    while True:
        request = inbox.requests.get()
        if request is None:
            return
        request_id = request.get("id")
        if not isinstance(request_id, str) or not request_id:
            channel.send("error", id=None, kind="failed", message="a request without an id")
            continue

        def report(fraction, message, request_id=request_id):
            channel.send("progress", id=request_id, fraction=fraction, message=message)

        def should_stop(request_id=request_id):
            return inbox.should_stop(request_id)

        started = time.monotonic()
        try:
            for key in ("video", "query", "task", "duration"):
                if key not in request:
                    raise RunnerError(f"the request has no {key!r}")
            text = engine.answer(request, report, should_stop)
        except Cancelled:
            channel.send("error", id=request_id, kind="cancelled", message="cancelled")
            continue
        except Unsupported as exc:
            channel.send("error", id=request_id, kind="unsupported", message=one_line(exc))
            continue
        except Exception as exc:
            traceback.print_exc()
            channel.send("error", id=request_id, kind="failed", message=one_line(exc))
            continue
        if should_stop() and not inbox.closed.is_set():
            channel.send("error", id=request_id, kind="cancelled", message="cancelled")
            continue
        print(
            f"vidi-runner: answered in {time.monotonic() - started:.1f} s: {text!r}",
            file=sys.stderr,
        )
        channel.send("result", id=request_id, text=text)


def parse_args(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="folder of the Vidi checkpoint")
    parser.add_argument("--repo-dir", help="your checkout of github.com/bytedance/vidi")
    parser.add_argument("--family", default="auto", choices=["auto", *FAMILIES])
    parser.add_argument("--device", default="auto", help="cuda or cuda:N (auto: cuda)")
    parser.add_argument("--max-new-tokens", type=int, default=1024)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    channel = Channel()
    inbox = Inbox(channel)

    def report(fraction, message):
        channel.send("progress", id=None, fraction=fraction, message=message)

    try:
        engine = Engine(args, report)
    except Exception as exc:
        if not isinstance(exc, RunnerError):
            traceback.print_exc()
        channel.send(
            "error", id=None, kind="fatal", message=one_line(exc),
            final=isinstance(exc, RunnerError),
        )
        return 3
    channel.send(
        "ready", model=engine.name, family=engine.family, device=engine.device,
        runner=RUNNER_VERSION,
    )
    try:
        serve(engine, channel, inbox)
    except Exception as exc:  # a bug here: say so on the channel rather than vanish
        traceback.print_exc()
        channel.send("error", id=None, kind="fatal", message=one_line(exc))
        return 4
    return 0


if __name__ == "__main__":
    status = main()
    sys.stderr.flush()
    # os._exit, not sys.exit: the stdin reader thread may be blocked in readline, and
    # finalizing the interpreter under it aborts ("could not acquire lock for stdin").
    os._exit(status)
