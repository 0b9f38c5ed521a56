"""The transformers VLM backend end to end, on tiny Qwen-VL models built offline.

Each test loads a real model folder through ``TransformersVLMBackend.load`` and runs the real
sample → encode → ``generate`` → parse path on generated footage. The tiny models' own
answers are noise, so a test-only logits processor (:class:`tiny_vlm.ForcedAnswer`) makes
``generate`` emit a known answer; everything around it is the production code.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("torchvision")

from tiny_vlm import ForcedAnswer, build_tiny_vlm, forced_answer

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.project import Answer, Chapter, CutRange, ObjectTube
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.protocol import (
    AssetRef,
    Backend,
    BackendError,
    Request,
)
from vidi_desktop.models.registry import create_backend
from vidi_desktop.models.vlm.backend import TransformersVLMBackend

TB25 = Fraction(1, 25)


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """One torch thread: a tiny model's matrices are too small to split, and on a busy
    machine threads fighting for cores make each token ~8x slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def qwen3_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_vlm(tmp_path_factory.mktemp("vlm") / "Qwen3-VL-Tiny", "qwen3_vl")


@pytest.fixture(scope="module")
def qwen25_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_vlm(tmp_path_factory.mktemp("vlm") / "Qwen2.5-VL-Tiny", "qwen2_5_vl")


@pytest.fixture(scope="module")
def tokenizer(qwen3_folder: Path) -> Any:
    from transformers import AutoTokenizer

    # Both tiny families share one tokenizer (trained the same way).
    return AutoTokenizer.from_pretrained(str(qwen3_folder), local_files_only=True)


@pytest.fixture(scope="module")
def clip(make_clip: Callable[..., Path]) -> Path:
    """4 s at 25 fps."""
    return make_clip("vlm_backend.mp4", frames=100, rate=25, size=(320, 240), gop=25)


@pytest.fixture(scope="module")
def qwen3(qwen3_folder: Path) -> TransformersVLMBackend:
    backend = TransformersVLMBackend(model_path=str(qwen3_folder), device="cpu")
    backend.load(lambda f, m: None, threading.Event())
    return backend


@pytest.fixture(scope="module")
def qwen25(qwen25_folder: Path) -> TransformersVLMBackend:
    backend = TransformersVLMBackend(model_path=str(qwen25_folder), device="cpu")
    backend.load(lambda f, m: None, threading.Event())
    return backend


def ask(
    backend: TransformersVLMBackend,
    forced: ForcedAnswer,
    text: str,
    clip: Path,
    *,
    window: TimeRange | None = None,
    options: dict[str, Any] | None = None,
    cancel: threading.Event | None = None,
    progress: list[tuple[float | None, str]] | None = None,
) -> list:
    backend.logits_processors = [forced]
    request = Request(text, (AssetRef("asset1", str(clip)),), window, options or {})
    sink = progress if progress is not None else []
    return backend.run(request, lambda f, m: sink.append((f, m)), cancel or threading.Event())


def seconds(r: TimeRange) -> tuple[Fraction, Fraction]:
    return r.start.seconds, r.end_exclusive.seconds


# -- end to end ------------------------------------------------------------------------------


def test_temporal_request_end_to_end(qwen3, tokenizer, clip, qwen3_folder) -> None:
    # At 2 fps the model sees pairs of frames labelled 0.2, 1.2, 2.2, 3.2 s (0.0+0.5 → 0.25…):
    # a range from the pair at 1.2 to the pair at 2.2 covers both pairs, 1.0 s to 3.0 s.
    forced = forced_answer(tokenizer, "<1.2 seconds> to <2.2 seconds>")
    progress: list[tuple[float | None, str]] = []
    (s,) = ask(qwen3, forced, "the red car drives past", clip, progress=progress)
    assert isinstance(s.payload, CutRange) and s.payload.action == "keep"
    assert s.payload.range == TimeRange(Time(25, TB25), Time(50, TB25))  # frames 25–74, exact
    assert s.source == f"qwen-vl:{qwen3_folder.name}"
    assert s.request == "the red car drives past" and s.asset_id == "asset1"
    # Progress by stage, in order, as fractions of the request.
    stages = ["sampling frames", "encoding", "generating tokens", "parsing"]
    firsts = [next(i for i, (_, m) in enumerate(progress) if m.startswith(st)) for st in stages]
    assert firsts == sorted(firsts)
    assert any(m == "generating tokens 1/512" for _, m in progress)  # a temporal budget
    fractions = [f for f, _ in progress if f is not None]
    assert fractions == sorted(fractions) and fractions[0] >= 0 and fractions[-1] == 1


def test_the_model_is_shown_the_true_frame_times(qwen3, clip) -> None:
    """The Qwen3-VL prompt carries each frame pair's real time, window offset included."""
    from vidi_desktop.models.vlm.generation import build_inputs
    from vidi_desktop.models.vlm.sampling import sample_frames

    loaded = qwen3.loaded
    window = TimeRange(Time(2, 1), Time(2, 1))
    sample = sample_frames(clip, window=window, fps=2.0)  # 2.0, 2.5, 3.0, 3.5 s
    inputs, _ = build_inputs(loaded.processor, loaded.dialect, sample, "x")
    prompt = loaded.processor.tokenizer.decode(inputs["input_ids"][0])
    # Frames are grouped in pairs; each pair is labelled with its mean time.
    assert "<2.2 seconds>" in prompt and "<3.2 seconds>" in prompt
    assert "<0.2 seconds>" not in prompt
    assert "mm_token_type_ids" in inputs  # what transformers 5 needs with video input


def test_grounding_request_makes_a_tube(qwen3, tokenizer, clip) -> None:
    answer = ('[{"time": 1.2, "bbox_2d": [100, 200, 300, 400]}, '
              '{"time": 2.2, "bbox_2d": [150, 250, 350, 1100]}]')
    (s,) = ask(qwen3, forced_answer(tokenizer, answer), "Where is the red car?", clip)
    tube = s.payload
    assert isinstance(tube, ObjectTube) and tube.query == "the red car"
    # Each answered time is a pair of frames to the model: the box goes on both (the frame on
    # screen at 1.5 s starts at 1.48 s: frame 37 of 25 fps).
    assert [b.t_ms for b in tube.boxes] == [1000, 1480, 2000, 2480]
    first, _, second, _ = tube.boxes
    assert (first.x0, first.y0, first.x1, first.y1) == (0.1, 0.2, 0.3, 0.4)
    assert (second.x0, second.y0, second.x1, second.y1) == (0.15, 0.25, 0.35, 1.0)  # clamped


def test_chapters_and_questions(qwen3, tokenizer, clip) -> None:
    text = "<0.0 seconds> - <2.0 seconds>: Arrival\n<2.0 seconds> - <4.0 seconds>: Departure"
    chapters = ask(qwen3, forced_answer(tokenizer, text), "split into chapters", clip)
    assert [(c.payload.title, seconds(c.payload.range)) for c in chapters] == [
        ("Arrival", (0, 2)),
        ("Departure", (2, 4)),
    ]
    assert all(isinstance(c.payload, Chapter) for c in chapters)
    (a,) = ask(qwen3, forced_answer(tokenizer, "A car drives in at <1.0 seconds>."),
               "What happens?", clip)
    assert isinstance(a.payload, Answer) and a.payload.text == "A car drives in at <1.0 seconds>."
    assert [seconds(r) for r in a.payload.ranges] == [(1, 2)]


def test_request_options_override_sampling(qwen3, tokenizer, clip) -> None:
    forced = forced_answer(tokenizer, "<0.9 seconds>")
    progress: list[tuple[float | None, str]] = []
    (s,) = ask(qwen3, forced, "the car", clip, options={"fps": 5, "max_new_tokens": 32},
               progress=progress)
    assert any(m == "sampling frames 20/20" for _, m in progress)
    assert any(m.endswith("/32") for _, m in progress if m.startswith("generating"))
    # An instant is its pair of frames: 0.8 s and 1.0 s, labelled 0.9 s.
    assert seconds(s.payload.range) == (Fraction(4, 5), Fraction(6, 5))


def test_a_single_frame_and_several_assets(qwen3, tokenizer, clip) -> None:
    """One sampled frame is still a video to the processor; each asset gets its answer."""
    forced = forced_answer(tokenizer, "<0.0 seconds> to <4.0 seconds>")
    qwen3.logits_processors = [forced]
    progress: list[tuple[float | None, str]] = []
    request = Request(
        "the car",
        (AssetRef("first", str(clip)), AssetRef("second", str(clip))),
        options={"max_frames": 1},
    )
    out = qwen3.run(request, lambda f, m: progress.append((f, m)), threading.Event())
    assert [s.asset_id for s in out] == ["first", "second"]
    assert all(seconds(s.payload.range) == (0, 4) for s in out)
    assert any(m == "vlm_backend.mp4: sampling frames 1/1" for _, m in progress)


# -- Qwen2.5-VL ------------------------------------------------------------------------------


def test_qwen2_5_end_to_end_counts_time_from_the_first_frame(qwen25, tokenizer, clip) -> None:
    window = TimeRange(Time(1, 1), Time(3, 1))  # 1 s – 4 s: the model's 0 is 1 s
    (s,) = ask(qwen25, forced_answer(tokenizer, "0.6 - 1.4 seconds"), "the car", clip,
               window=window)
    assert seconds(s.payload.range) == (Fraction(8, 5), Fraction(12, 5))


def test_qwen2_5_inputs_carry_the_real_sampling_rate(qwen25, clip) -> None:
    from vidi_desktop.models.vlm.generation import build_inputs
    from vidi_desktop.models.vlm.sampling import sample_frames

    loaded = qwen25.loaded
    sample = sample_frames(clip, fps=2.0)
    inputs, size = build_inputs(loaded.processor, loaded.dialect, sample, "x")
    # Two frames per temporal patch at 2 fps: one second per grid step.
    assert [float(x) for x in inputs["second_per_grid_ts"]] == [1.0]
    t, gh, gw = (int(x) for x in inputs["video_grid_thw"][0])
    assert size == (gw * 14, gh * 14) and t == 4


def test_qwen2_5_boxes_are_input_pixels(qwen25, tokenizer, clip) -> None:
    # The picture size the model saw is in the answer's metadata.
    (first,) = ask(qwen25, forced_answer(tokenizer, "[]"), "track the car", clip)
    w, h = first.metadata["vlm"]["sampling"]["model_frame_size"]
    box = [w // 4, h // 4, w // 2, h // 2]
    answer = json.dumps([{"time": 1, "bbox_2d": box}])
    (s,) = ask(qwen25, forced_answer(tokenizer, answer), "track the car", clip)
    assert [b.t_ms for b in s.payload.boxes] == [1000, 1480]  # one temporal patch
    for b in s.payload.boxes:
        assert (b.x0, b.y0, b.x1, b.y1) == pytest.approx(
            (box[0] / w, box[1] / h, box[2] / w, box[3] / h)
        )


# -- cancel, errors ------------------------------------------------------------------------------


def test_cancel_stops_generation_within_one_token(qwen3, tokenizer, clip) -> None:
    cancel = threading.Event()
    k = 3
    long_answer = "<0.5 seconds> to <2.5 seconds> " * 4
    forced = forced_answer(tokenizer, long_answer, cancel_after=(k, cancel))
    assert len(forced.tokens) > k + 5
    with pytest.raises(CancelledError):
        ask(qwen3, forced, "the car", clip, cancel=cancel)
    assert forced.calls <= k + 1
    # The model is still usable after a cancel.
    (s,) = ask(qwen3, forced_answer(tokenizer, "<1.0 seconds>"), "the car", clip)
    assert isinstance(s.payload, CutRange)


def test_cancel_before_generation_generates_nothing(qwen3, tokenizer, clip) -> None:
    cancel = threading.Event()
    cancel.set()
    forced = forced_answer(tokenizer, "<1.0 seconds>")
    with pytest.raises(CancelledError):
        ask(qwen3, forced, "the car", clip, cancel=cancel)
    assert forced.calls == 0


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"),
        MemoryError(),
        "torch.cuda.OutOfMemoryError",
    ],
)
def test_out_of_memory_in_generate_is_a_backend_error(qwen3, tokenizer, clip, error) -> None:
    import torch

    if error == "torch.cuda.OutOfMemoryError":
        error = torch.cuda.OutOfMemoryError("CUDA out of memory")
    forced = forced_answer(tokenizer, "<1.0 seconds>", fail_with=error)
    with pytest.raises(BackendError, match=r"out of memory .*quantization='4bit'.*max_frames"):
        ask(qwen3, forced, "the car", clip)


def test_other_errors_in_generate_are_not_disguised(qwen3, tokenizer, clip) -> None:
    forced = forced_answer(tokenizer, "<1.0 seconds>", fail_with=ValueError("boom"))
    with pytest.raises(ValueError, match="boom"):
        ask(qwen3, forced, "the car", clip)


def _copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name))


def load(path: Path | str, **options: Any) -> TransformersVLMBackend:
    backend = TransformersVLMBackend(model_path=str(path), device="cpu", **options)
    backend.load(lambda f, m: None, threading.Event())
    return backend


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match=r"model folder not found: .*nowhere"):
        load(tmp_path / "nowhere")


def test_broken_config_names_the_file(qwen3_folder: Path, tmp_path: Path) -> None:
    folder = _copy(qwen3_folder, tmp_path)
    (folder / "config.json").write_text('{"model_type": "qwen3_vl", ')
    with pytest.raises(BackendError, match=r"config\.json is not valid JSON"):
        load(folder)
    (folder / "config.json").unlink()
    with pytest.raises(BackendError, match=r"config\.json is missing"):
        load(folder)


def test_unknown_model_type(qwen3_folder: Path, tmp_path: Path) -> None:
    folder = _copy(qwen3_folder, tmp_path)
    (folder / "config.json").write_text(json.dumps({"model_type": "llava"}))
    with pytest.raises(BackendError, match="'llava' is not a Qwen-VL model"):
        load(folder)


def test_missing_shard_names_the_file(qwen3_folder: Path, tmp_path: Path) -> None:
    from safetensors import safe_open

    folder = _copy(qwen3_folder, tmp_path)
    first = "model-00001-of-00002.safetensors"
    (folder / "model.safetensors").rename(folder / first)
    with safe_open(str(folder / first), "pt") as f:
        keys = list(f.keys())
    second = "model-00002-of-00002.safetensors"
    weight_map = {k: (first if i % 2 else second) for i, k in enumerate(keys)}
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": weight_map})
    )
    with pytest.raises(BackendError, match=rf"{second} is missing \(listed in model"):
        load(folder)


def test_truncated_or_absent_weights(qwen3_folder: Path, tmp_path: Path) -> None:
    folder = _copy(qwen3_folder, tmp_path)
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(BackendError, match=r"model\.safetensors is truncated"):
        load(folder)
    weights.unlink()
    with pytest.raises(BackendError, match=r"model\.safetensors is missing: no weights"):
        load(folder)


def test_missing_tokenizer(qwen3_folder: Path, tmp_path: Path) -> None:
    folder = _copy(qwen3_folder, tmp_path)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(BackendError, match=r"tokenizer\.json is missing"):
        load(folder)


def test_bad_options_are_refused() -> None:
    with pytest.raises(BackendError, match="quantization"):
        TransformersVLMBackend(quantization="3bit")
    with pytest.raises(BackendError, match="fps"):
        TransformersVLMBackend(fps=0)
    with pytest.raises(BackendError, match="max_frames"):
        TransformersVLMBackend(max_frames=0)
    with pytest.raises(BackendError, match="device"):
        TransformersVLMBackend(device="tpu")


# -- quantization, device, discovery ------------------------------------------------------------


def test_4bit_load_on_cpu(qwen3_folder: Path, tokenizer, clip) -> None:
    if importlib.util.find_spec("accelerate") is None:
        with pytest.raises(BackendError, match=r"4bit loading needs the 'accelerate' package"):
            load(qwen3_folder, quantization="4bit")
        pytest.skip("bitsandbytes 4-bit loading needs 'accelerate', not installed here "
                    "(the error says so, checked above)")
    backend = load(qwen3_folder, quantization="4bit")
    kinds = {
        name: type(module).__name__
        for name, module in backend.loaded.model.named_modules()
        if type(module).__name__.startswith("Linear")
    }
    text_layers = [k for n, k in kinds.items() if "language_model" in n]
    assert text_layers and set(text_layers) == {"Linear4bit"}
    # The vision tower and the output layer stay in full precision.
    assert {k for n, k in kinds.items() if ".visual." in n} == {"Linear"}
    (s,) = ask(backend, forced_answer(tokenizer, "<1.2 seconds> to <2.2 seconds>"), "car", clip)
    assert s.payload.range == TimeRange(Time(25, TB25), Time(50, TB25))


def test_auto_device_warns_on_cpu(qwen3_folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present: 'auto' picks it")
    backend = TransformersVLMBackend(model_path=str(qwen3_folder))
    with caplog.at_level(logging.WARNING):
        backend.load(lambda f, m: None, threading.Event())
    assert backend.loaded.device == "cpu"
    assert any("runs on the CPU" in r.getMessage() for r in caplog.records)
    backend.unload()
    assert backend.loaded is None


def test_model_folder_found_in_the_models_dir(
    qwen3_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tokenizer, clip
) -> None:
    monkeypatch.setenv("VIDI_DESKTOP_DATA_DIR", str(tmp_path))
    models = tmp_path / "models"
    models.mkdir()
    backend = TransformersVLMBackend(device="cpu")
    with pytest.raises(BackendError, match="no Qwen-VL model folder found in"):
        backend.load(lambda f, m: None, threading.Event())
    (models / "a-llama").mkdir()
    (models / "a-llama" / "config.json").write_text(json.dumps({"model_type": "llama"}))
    shutil.copytree(qwen3_folder, models / "b-qwen")
    backend.load(lambda f, m: None, threading.Event())
    assert backend.loaded.folder == models / "b-qwen"
    (s,) = ask(backend, forced_answer(tokenizer, "<1.0 seconds>"), "the car", clip)
    assert s.source == "qwen-vl:b-qwen"


def test_registry_creates_it(qwen3_folder: Path) -> None:
    backend = create_backend("qwen-vl", {"model_path": str(qwen3_folder), "max_frames": 8})
    assert isinstance(backend, TransformersVLMBackend) and isinstance(backend, Backend)
    caps = backend.capabilities
    assert caps.temporal and caps.spatial and caps.chapters and caps.answers
    assert backend.settings["max_frames"] == 8
