"""The shipped runner script, run for real against a stand-in Vidi checkout.

The stand-in checkout has the module layout of github.com/bytedance/vidi (``Vidi1.5_9B/vidi``
and ``Vidi_7B/model``) with tiny functions in place of the network: real torch tensors, a
``generate`` that records what it was given and answers from ``answer.txt``. What runs is
the real ``runner_script.py`` in a subprocess, driven by the real adapter; only the weights
are missing — and, on a machine without a GPU, the answer to its CUDA/flash-attn check
(``vidi_runner_no_gpu.py`` runs the real script with that check answered "present"; the
check itself runs for real in ``test_without_cuda_and_flash_attn_it_refuses_in_one_line``).
Like the real loader, the stand-in prints to stdout (the runner must keep that off the
protocol channel).
"""

from __future__ import annotations

import ast
import json
import os
import stat
import sys
import threading
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import no_progress
from vidi_desktop.core.time import TimeRange
from vidi_desktop.models.protocol import AssetRef, BackendError, Request
from vidi_desktop.models.vidi import protocol as wire
from vidi_desktop.models.vidi import runner_script
from vidi_desktop.models.vidi.adapter import RUNNER_SCRIPT, VidiBackend

NO_GPU_RUNNER = str(Path(__file__).with_name("vidi_runner_no_gpu.py"))
# The fake Vidi checkout below runs in this Python and imports torch (the vlm extra).
pytest.importorskip("torch", reason="the vlm extra is not installed")

COMMON = r'''
import json, os, time
import torch

IMAGE_TOKEN_INDEX = -200
DEFAULT_IMAGE_TOKEN = "<image>"


class Config:
    pass


class Tokenizer:
    pad_token_id = 0

    def __init__(self, path):
        self.path = path
        self.prompt = None

    def batch_decode(self, ids, skip_special_tokens=False):
        with open(os.path.join(self.path, "answer.txt")) as f:
            return ["  " + f.read() + "  "]


class Processor:
    sampling_rate = 16000


class Model:
    dtype = torch.float32

    def __init__(self, path, device, flash, tokenizer):
        self.path, self.device, self.flash, self.tokenizer = path, device, flash, tokenizer
        self.config = Config()

    def generate(self, input_ids, **kw):
        record = {
            "prompt": self.tokenizer.prompt,
            "device": self.device,
            "flash": self.flash,
            "mm_splits": getattr(self.config, "mm_splits", None),
            "images": list(kw["images"].shape),
            "audio_sizes": kw["audio_sizes"],
            "max_new_tokens": kw["max_new_tokens"],
            "disable_compile": kw.get("disable_compile"),
            "stopping": "stopping_criteria" in kw,
            "grad": torch.is_grad_enabled(),
        }
        with open(os.path.join(self.path, "calls.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")
        if "slow" in self.tokenizer.prompt:
            end = time.monotonic() + 30
            while time.monotonic() < end:
                if bool(kw["stopping_criteria"](input_ids, None).all()):
                    break
                time.sleep(0.02)
        return torch.tensor([[5, 6]])


def load_pretrained_model(path, load_8bit=False, load_4bit=False, device_map="auto",
                          device="cuda", use_flash_attn=True, **kwargs):
    print("Loading checkpoint shards: 100%|##########| 4/4")  # the real loader is chatty
    tokenizer = Tokenizer(os.path.realpath(path))
    return Model(os.path.realpath(path), device, use_flash_attn, tokenizer), tokenizer, \
        Processor(), Processor()


def process_images(frames, processor, config):
    return torch.zeros(len(frames), 3, 4, 4)


def preprocess_chat(source, tokenizer):
    return "<user>" + source[0]["value"] + "<model>"


def tokenizer_image_token(prompt, tokenizer, index, return_tensors=None):
    tokenizer.prompt = prompt[len("<user>"):-len("<model>")]
    return torch.tensor([1, index, 2])


def load_video(path, fps=1.0):
    assert os.path.isfile(path)
    return [None] * 8


def load_audio(path, sample_rate=16000):
    return [0.0] * sample_rate


def process_audio(audio, processor):
    return torch.zeros(2, 4), 16
'''

LAYOUTS = {
    # family: (code folder, {module path: names it takes from the common stand-in})
    "vidi1.5": ("Vidi1.5_9B", "vidi", ["constants", "model/builder", "dataset/img_utils",
                                       "dataset/txt_utils", "dataset/vid_utils"]),
    "vidi-7b": ("Vidi_7B", "model", ["constants", "builder", "img_utils", "txt_utils",
                                     "vid_utils"]),
}


def write_checkout(root: Path, family: str) -> Path:
    """A stand-in checkout of the Vidi repository with one model's code folder."""
    folder, package, modules = LAYOUTS[family]
    base = root / folder / package
    (base / "_stand_in.py").parent.mkdir(parents=True, exist_ok=True)
    (base / "_stand_in.py").write_text(COMMON)
    for module in ["__init__", *modules]:
        path = base / f"{module}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        if module != "__init__":
            path.write_text(f"from {package}._stand_in import *  # noqa\n")
        elif not path.exists():
            path.write_text("")
        init = path.parent / "__init__.py"
        if not init.exists():
            init.write_text("")
    return root


def write_checkpoint(folder: Path, model_type: str, answer: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": model_type}))
    (folder / "answer.txt").write_text(answer)
    return folder


@pytest.fixture
def ffmpeg_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Vidi reads audio with the ffmpeg CLI; the stand-in never calls it, the check does."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "ffmpeg"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")


def calls(checkpoint: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in (checkpoint / "calls.jsonl").read_text().splitlines()]


def clip_ref(path: Path) -> AssetRef:
    from vidi_desktop.media.probe import probe

    info = probe(path)
    assert info.video is not None and info.video.rate is not None
    return AssetRef("clip", str(path), info.duration, info.video.rate.value, info.to_json())


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in ffmpeg is a shell script")
def test_vidi15_checkout_answers_cancels_and_shuts_down(
    tmp_path: Path, ffmpeg_on_path: None, small_clip: Path
) -> None:
    repo = write_checkout(tmp_path / "vidi", "vidi1.5")
    checkpoint = write_checkpoint(tmp_path / "Vidi1.5-9B", "dattn_gemma2", "0.25-0.5, 0.75-1.0")
    backend = VidiBackend(
        python=sys.executable, repo_dir=str(repo), checkpoint=str(checkpoint), timeout_s=60,
        runner_script=NO_GPU_RUNNER,
    )
    asset = clip_ref(small_clip)
    try:
        out = backend.run(Request("a red car.", (asset,)), no_progress, threading.Event())
        rate = asset.frame_rate
        assert rate == Fraction(30000, 1001)
        # 2 s at 29.97 is 60 frames: a quarter is frame 15, half 30, three quarters 45.
        assert [s.payload.range for s in out] == [
            TimeRange.from_frames(15, 30, rate), TimeRange.from_frames(45, 60, rate)
        ]
        assert out[0].source == "vidi:Vidi1.5-9B"
        (call,) = calls(checkpoint)
        # Vidi1.5-9B's own prompt, the trailing period dropped as upstream does.
        assert call["prompt"] == (
            "<image>\nDuring which time segments in the video can we see a red car?"
        )
        assert call["disable_compile"] is True and call["mm_splits"] == 32
        assert call["device"] == "cpu" and call["flash"] is True and call["grad"] is False
        assert call["images"] == [1, 8, 3, 4, 4] and call["audio_sizes"] == [16]
        assert call["max_new_tokens"] == 1024 and call["stopping"] is True

        # Cancel during generation: the stopping criterion ends it, the model stays loaded.
        cancel = threading.Event()

        def progress(fraction: float | None, message: str) -> None:
            if message == "generating":
                cancel.set()

        with pytest.raises(CancelledError):
            backend.run(Request("slow", (asset,)), progress, cancel)
        assert backend.loaded
        pid = backend._child.process.pid  # type: ignore[union-attr]
        request = Request("a dog", (asset,), options={"max_new_tokens": 32})
        assert len(backend.run(request, no_progress, threading.Event())) == 2
        assert backend._child.process.pid == pid  # type: ignore[union-attr]
        assert calls(checkpoint)[-1]["max_new_tokens"] == 32

        # A missing video fails that request only.
        missing = AssetRef("m", str(tmp_path / "gone.mp4"), Fraction(2), Fraction(25))
        with pytest.raises(BackendError, match=r"gone\.mp4 does not exist"):
            backend.run(Request("a dog", (missing,)), no_progress, threading.Event())
        assert backend.loaded
        process = backend._child.process  # type: ignore[union-attr]
    finally:
        backend.unload()
    assert process.returncode == 0


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in ffmpeg is a shell script")
def test_vidi7b_prompt_and_checkpoint_name(tmp_path: Path, ffmpeg_on_path: None) -> None:
    repo = write_checkout(tmp_path / "vidi", "vidi-7b")
    # Named as downloaded: upstream's loader takes it as it is since 2026-01-12 (f7c8a44).
    checkpoint = write_checkpoint(tmp_path / "Vidi-7B", "dattn_mistral", "12%-34%")
    video = tmp_path / "onion.mp4"
    video.write_bytes(b"not decoded by the stand-in")
    backend = VidiBackend(
        python=sys.executable,
        repo_dir=str(repo / "Vidi_7B"),  # the model's folder works as well as the root
        checkpoint=str(checkpoint),
        timeout_s=60,
        runner_script=NO_GPU_RUNNER,
    )
    asset = AssetRef("v", str(video), Fraction(50), Fraction(25))
    try:
        (s,) = backend.run(Request("slicing onion.", (asset,)), no_progress, threading.Event())
        assert s.payload.range == TimeRange.from_frames(150, 425, 25)  # 6 s - 17 s
        (call,) = calls(checkpoint)
        assert call["prompt"] == (
            "<image>\nGiven the frames from a video, answer the time range in percentage "
            "that corresponds to query text split by comma. Video length is: 50.00 and "
            "text query is: slicing onion."
        )
        assert call["disable_compile"] is None
        process = backend._child.process  # type: ignore[union-attr]
        # End of input alone ends the runner cleanly.
        assert process.stdin is not None
        process.stdin.close()
        assert process.wait(timeout=120) == 0
    finally:
        backend.unload()


def test_runner_refuses_what_cannot_work(tmp_path: Path, monkeypatch) -> None:
    repo = write_checkout(tmp_path / "vidi", "vidi1.5")
    checkpoint = write_checkpoint(tmp_path / "Vidi1.5-9B", "dattn_gemma2", "0.1-0.2")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    backend = VidiBackend(python=sys.executable, repo_dir=str(repo), checkpoint=str(checkpoint))
    with pytest.raises(BackendError, match="ffmpeg is not on PATH"):
        backend.load(no_progress, threading.Event())

    monkeypatch.undo()
    (tmp_path / "bin").mkdir()
    tool = tmp_path / "bin" / "ffmpeg"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    wrong = VidiBackend(
        python=sys.executable, repo_dir=str(tmp_path), checkpoint=str(checkpoint)
    )
    with pytest.raises(BackendError, match=r"not a checkout of github\.com/bytedance/vidi"):
        wrong.load(no_progress, threading.Event())
    no_weights = VidiBackend(python=sys.executable, repo_dir=str(repo))
    with pytest.raises(BackendError, match="no checkpoint folder"):
        no_weights.load(no_progress, threading.Event())


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in ffmpeg is a shell script")
def test_without_cuda_and_flash_attn_it_refuses_in_one_line(
    tmp_path: Path, ffmpeg_on_path: None
) -> None:
    """The real script, on this machine: no CUDA GPU (or no flash-attn) here."""
    import importlib.util

    import torch

    if torch.cuda.is_available() and importlib.util.find_spec("flash_attn") is not None:
        pytest.skip("this machine can run Vidi: nothing to refuse")
    repo = write_checkout(tmp_path / "vidi", "vidi1.5")
    checkpoint = write_checkpoint(tmp_path / "Vidi1.5-9B", "dattn_gemma2", "0.1-0.2")
    backend = VidiBackend(python=sys.executable, repo_dir=str(repo), checkpoint=str(checkpoint))
    with pytest.raises(BackendError) as caught:
        backend.load(no_progress, threading.Event())
    assert str(caught.value) == "Vidi needs a CUDA GPU with flash-attn installed"
    assert not backend.loaded
    assert not (checkpoint / "calls.jsonl").exists()  # nothing of Vidi's ran


def test_a_checkout_older_than_the_loader_fix_is_named(tmp_path: Path) -> None:
    repo = write_checkout(tmp_path / "vidi", "vidi-7b")
    (repo / "Vidi_7B" / "model" / "__init__.py").write_text(
        "def get_dattn_cls(path):\n"
        "    raise NotImplementedError(f'Unsupported model type: {path}')\n"
    )
    message = runner_script.stale_checkout(str(repo / "Vidi_7B"), "vidi-7b")
    assert message is not None and "git pull" in message
    fresh = write_checkout(tmp_path / "fresh", "vidi-7b")
    assert runner_script.stale_checkout(str(fresh / "Vidi_7B"), "vidi-7b") is None


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in ffmpeg is a shell script")
def test_the_retrieval_prompt_gets_the_request_s_subject(
    tmp_path: Path, ffmpeg_on_path: None, small_clip: Path
) -> None:
    repo = write_checkout(tmp_path / "vidi", "vidi1.5")
    checkpoint = write_checkpoint(tmp_path / "Vidi1.5-9B", "dattn_gemma2", "0.25-0.5")
    backend = VidiBackend(
        python=sys.executable, repo_dir=str(repo), checkpoint=str(checkpoint), timeout_s=60,
        runner_script=NO_GPU_RUNNER,
    )
    try:
        backend.run(Request("When is the red car visible?", (clip_ref(small_clip),)),
                    no_progress, threading.Event())
    finally:
        backend.unload()
    (call,) = calls(checkpoint)
    assert call["prompt"] == (
        "<image>\nDuring which time segments in the video can we see the red car?"
    )


# -- the script itself ------------------------------------------------------------------------
def test_runner_imports_only_the_standard_library_at_top_level() -> None:
    tree = ast.parse(RUNNER_SCRIPT.read_text())
    top: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            top.add(node.module.split(".")[0])
    assert top <= set(sys.stdlib_module_names) | {"__future__"}, top
    assert "vidi_desktop" not in RUNNER_SCRIPT.read_text()


def test_runner_speaks_this_protocol_version() -> None:
    assert runner_script.PROTOCOL_VERSION == wire.VERSION


def test_family_from_config_then_checkout(tmp_path: Path) -> None:
    both = write_checkout(write_checkout(tmp_path / "vidi", "vidi1.5"), "vidi-7b")
    plain = tmp_path / "weights"
    plain.mkdir()
    choose = runner_script.choose_family
    # config.json's model_type decides…
    seven = write_checkpoint(tmp_path / "ckpt-a", "dattn_mistral", "")
    assert choose(str(both), str(seven), "auto") == ("vidi-7b", str(both / "Vidi_7B"))
    nine = write_checkpoint(tmp_path / "ckpt-b", "dattn_gemma2", "")
    assert choose(str(both), str(nine), "auto") == ("vidi1.5", str(both / "Vidi1.5_9B"))
    # …else the checkout: a folder with only Vidi-7B's code serves an unnamed checkpoint.
    only7 = write_checkout(tmp_path / "only7", "vidi-7b") / "Vidi_7B"
    assert choose(str(only7), str(plain), "auto") == ("vidi-7b", str(only7))
    assert choose(None, str(plain), "auto") == ("vidi1.5", None)
    with pytest.raises(runner_script.RunnerError, match=r"Vidi1\.5-9B's code"):
        choose(str(only7), str(plain), "vidi1.5")
    with pytest.raises(runner_script.RunnerError, match="unknown Vidi family"):
        choose(str(both), str(plain), "vidi3")
