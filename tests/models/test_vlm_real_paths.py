"""The Qwen-VL backend as it runs on real weights (issue 13), on tiny models built offline
with the published chat templates and processor settings.

What is checked: the prompt structure the published templates make; every VUE-STG query
reaching the grounding prompt and becoming a tube; timestamps mapped to both frames of a
merged pair; the task-sized answer budget and truncation reported; sampling defaults from
qwen-vl-utils, fitted to memory, in the metadata; a Thinking model's reasoning stripped.
The tiny models' own words are noise: :class:`tiny_vlm.ForcedAnswer` makes the real
``generate`` loop say a known answer.
"""

from __future__ import annotations

import json
import re
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

from tiny_vlm import (
    QWEN2_5_VL_CHAT_TEMPLATE,
    QWEN2_5_VL_PREPROCESSOR,
    QWEN3_VL_CHAT_TEMPLATE,
    QWEN3_VL_PREPROCESSOR,
    QWEN3_VL_VIDEO_PREPROCESSOR,
    build_tiny_vlm,
    forced_answer,
)

from vidi_desktop.core.project import Answer, CutRange, ObjectTube
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.protocol import AssetRef, Request
from vidi_desktop.models.vlm.backend import ANSWER_TOKENS, TransformersVLMBackend
from vidi_desktop.models.vlm.budget import (
    MAX_TOKENS_PER_FRAME,
    MIN_TOKENS_PER_FRAME,
    fit_to_memory,
    reference_budget,
)
from vidi_desktop.models.vlm.tasks import Task
from vidi_desktop.models.vlm.thinking import THINKING_RESERVE

TB25 = Fraction(1, 25)


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("published")
    return {
        "qwen3": build_tiny_vlm(root / "Qwen3-VL-Tiny", "qwen3_vl"),
        "qwen25": build_tiny_vlm(root / "Qwen2.5-VL-Tiny", "qwen2_5_vl"),
        "thinking": build_tiny_vlm(root / "Qwen3-VL-Tiny-Thinking", "qwen3_vl", thinking=True),
    }


@pytest.fixture(scope="module")
def tokenizer(folders: dict[str, Path]) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folders["qwen3"]), local_files_only=True)


@pytest.fixture(scope="module")
def clip(make_clip: Callable[..., Path]) -> Path:
    """4 s at 25 fps, 320×240."""
    return make_clip("vlm_real.mp4", frames=100, rate=25, size=(320, 240), gop=25)


def backend_for(folder: Path, **options: Any) -> TransformersVLMBackend:
    backend = TransformersVLMBackend(model_path=str(folder), device="cpu", **options)
    backend.load(lambda f, m: None, threading.Event())
    return backend


def ask(backend: TransformersVLMBackend, forced: Any, text: str, clip: Path, **options: Any
        ) -> list:
    backend.logits_processors = [forced]
    request = Request(text, (AssetRef("a1", str(clip)),), options=options)
    return backend.run(request, lambda f, m: None, threading.Event())


# -- the published prompt structure ---------------------------------------------------------------


def test_the_fixtures_carry_the_published_files(folders: dict[str, Path]) -> None:
    def read(folder: Path, name: str) -> Any:
        return json.loads((folder / name).read_text())

    q3, q25 = folders["qwen3"], folders["qwen25"]
    assert read(q3, "chat_template.json")["chat_template"] == QWEN3_VL_CHAT_TEMPLATE
    assert read(q3, "preprocessor_config.json") == QWEN3_VL_PREPROCESSOR
    assert read(q3, "video_preprocessor_config.json") == QWEN3_VL_VIDEO_PREPROCESSOR
    assert read(q25, "chat_template.json")["chat_template"] == QWEN2_5_VL_CHAT_TEMPLATE
    assert read(q25, "preprocessor_config.json") == QWEN2_5_VL_PREPROCESSOR
    # transformers reads them: the video processors hold the published budgets.
    b3, b25 = backend_for(q3), backend_for(q25)
    vp3, vp25 = b3.loaded.processor.video_processor, b25.loaded.processor.video_processor
    assert (vp3.size.shortest_edge, vp3.size.longest_edge) == (4096, 25165824)
    assert (vp25.size.shortest_edge, vp25.size.longest_edge) == (3136, 12845056)
    assert (b3.loaded.factor, b25.loaded.factor) == (32, 28)


def _prompt(backend: TransformersVLMBackend, clip: Path) -> str:
    from vidi_desktop.models.vlm.budget import reference_budget
    from vidi_desktop.models.vlm.generation import build_inputs
    from vidi_desktop.models.vlm.sampling import sample_frames

    loaded = backend.loaded
    window = TimeRange(Time(1, 1), Time(2, 1))  # 1 s – 3 s at 2 fps: 1.0, 1.5, 2.0, 2.5
    sample = sample_frames(clip, window=window, budget=reference_budget(loaded.factor),
                           max_side=None)
    inputs, _ = build_inputs(loaded.processor, loaded.dialect, sample, "Find it.")
    return loaded.processor.tokenizer.decode(inputs["input_ids"][0])


def test_qwen3_prompt_is_built_as_the_published_template_builds_it(folders, clip) -> None:
    text = _prompt(backend_for(folders["qwen3"]), clip)
    vision = r"<\|vision_start\|>(?:<\|video_pad\|>)+<\|vision_end\|>"
    # No system turn; each merged pair labelled with its frames' mean time, then its tokens.
    pattern = (
        rf"^<\|im_start\|>user\n<1\.2 seconds>{vision}<2\.2 seconds>{vision}Find it\."
        r"<\|im_end\|>\n<\|im_start\|>assistant\n$"
    )
    assert re.match(pattern, text), text[:300]


def test_qwen2_5_prompt_is_built_as_the_published_template_builds_it(folders, clip) -> None:
    text = _prompt(backend_for(folders["qwen25"]), clip)
    pattern = (
        r"^<\|im_start\|>system\nYou are a helpful assistant\.<\|im_end\|>\n"
        r"<\|im_start\|>user\n<\|vision_start\|>(?:<\|video_pad\|>)+<\|vision_end\|>"
        r"Find it\.<\|im_end\|>\n<\|im_start\|>assistant\n$"
    )
    assert re.match(pattern, text), text[:300]


# -- sampling --------------------------------------------------------------------------------------


def test_sampling_follows_qwen_vl_utils_and_says_so(folders, tokenizer, clip) -> None:
    backend = backend_for(folders["qwen3"])
    (s,) = ask(backend, forced_answer(tokenizer, "<1.2 seconds>"), "the car", clip)
    sampling = s.metadata["vlm"]["sampling"]
    assert sampling["fps"] == 2.0 and sampling["frames"] == 8  # 4 s at 2 fps, even
    assert (sampling["min_frames"], sampling["max_frames"]) == (4, 768)
    assert sampling["max_pixels_per_frame"] == MAX_TOKENS_PER_FRAME * 32 * 32
    assert sampling["min_pixels_per_frame"] == MIN_TOKENS_PER_FRAME * 32 * 32
    w, h = sampling["frame_size"]
    # 320×240 is below 128 tokens a frame: scaled up to the floor, on the 32-pixel grid.
    assert w % 32 == 0 and h % 32 == 0 and w * h >= MIN_TOKENS_PER_FRAME * 32 * 32
    assert sampling["model_frame_size"] == [w, h]  # the processor kept them as they were
    assert sampling["memory_free_bytes"] and sampling["bytes_per_token"]


def test_little_memory_shrinks_the_frames_then_the_rate() -> None:
    ref = reference_budget(32)
    assert fit_to_memory(ref, None, None, 60) == ref  # unknown memory: the reference
    roomy = fit_to_memory(ref, 80 * 2**30, 100_000, 60)
    assert not roomy.scaled and roomy.total_pixels == ref.total_pixels
    tight = fit_to_memory(ref, 2 * 2**30, 100_000, 60)  # ~12,900 tokens for 120 frames
    assert tight.scaled and tight.fps == ref.fps
    assert tight.tokens(120, tight.frame_pixels(120)) <= 2 * 2**30 * 0.6 / 100_000 + 1
    starved = fit_to_memory(ref, 2**28, 100_000, 600)  # the 128-token floor does not fit
    assert starved.scaled and starved.fps < ref.fps


# -- timestamps as Qwen3-VL sees them --------------------------------------------------------------


def test_boxes_cover_both_frames_of_every_pair(folders, tokenizer, clip) -> None:
    """A perfect answer — one box per pair label — covers every sampled frame."""
    backend = backend_for(folders["qwen3"])
    labels = [0.2, 1.2, 2.2, 3.2]  # pairs (0, 0.5), (1, 1.5)… as the prompt writes them
    answer = json.dumps([{"time": t, "bbox_2d": [100, 100, 500, 500]} for t in labels])
    (s,) = ask(backend, forced_answer(tokenizer, answer), "track the car", clip)
    tube = s.payload
    assert isinstance(tube, ObjectTube)
    assert [b.t_ms for b in tube.boxes] == [0, 480, 1000, 1480, 2000, 2480, 3000, 3480]


# -- VUE-STG through the grounding prompt ----------------------------------------------------------


def test_every_stg_query_gets_a_tube(folders, tokenizer, make_clip, tmp_path) -> None:
    from vidi_desktop.models.eval.predict import predict_stg, read_stg_queries
    from vidi_desktop.models.eval.vue_stg import read_tubes

    videos = tmp_path / "videos"
    videos.mkdir()
    source = make_clip("stg_src.mp4", frames=50, rate=25, size=(160, 128))
    shutil.copyfile(source, videos / "vid1.mp4")
    bench = tmp_path / "stg"
    bench.mkdir()
    # Upstream's queries describe a thing or a person; none says "where" or "track".
    (bench / "query.csv").write_text(
        "query_id,query_text,video_id\n"
        "q1,the man in the grey coat who opens the door,vid1\n"
        "q2,a small dog running after the ball,vid1\n"
        "q3,the red car,vid1\n"
    )
    answer = '[{"time": 0.2, "bbox_2d": [100, 100, 400, 400]}]'
    backend = TransformersVLMBackend(
        model_path=str(folders["qwen3"]), device="cpu",
        logits_processors=[forced_answer(tokenizer, answer)],
    )
    out = tmp_path / "tubes.csv"
    report = predict_stg(backend, read_stg_queries(bench), videos, out)
    assert report.answered == ["q1", "q2", "q3"] and report.empty == []
    assert set(read_tubes(out)) == {"q1", "q2", "q3"}
    rows = [line.split(",")[:2] for line in out.read_text().splitlines()[1:]]
    # Both frames of the answered pair (0.0 s and the frame on screen at 0.5 s).
    assert sorted(rows) == sorted([q, t] for q in ("q1", "q2", "q3") for t in ("0", "480"))


# -- output budget and truncation ------------------------------------------------------------------


def test_the_answer_budget_fits_the_task(folders, tokenizer, clip) -> None:
    backend = backend_for(folders["qwen3"])
    (s,) = ask(backend, forced_answer(tokenizer, "[]"), "Where is the car?", clip)
    assert s.metadata["vlm"]["generation"]["max_new_tokens"] == ANSWER_TOKENS[Task.GROUNDING]
    assert ANSWER_TOKENS[Task.GROUNDING] >= 2048 and ANSWER_TOKENS[Task.TEMPORAL] >= 512


def test_a_cut_off_answer_keeps_what_came_and_says_so(folders, tokenizer, clip) -> None:
    backend = backend_for(folders["qwen3"])
    boxes = [{"time": t, "bbox_2d": [100, 100, 500, 500]} for t in (0.2, 1.2, 2.2, 3.2)]
    forced = forced_answer(tokenizer, json.dumps(boxes))
    cut = 40  # tokens: enough for the first boxes, not the closing bracket
    assert len(forced.tokens) > cut
    out = ask(backend, forced, "track the car", clip, max_new_tokens=cut)
    tubes = [s for s in out if isinstance(s.payload, ObjectTube)]
    (note,) = [s for s in out if isinstance(s.payload, Answer)]
    assert tubes and tubes[0].payload.boxes  # the boxes before the cut are kept
    assert f"cut off after {cut} tokens" in note.payload.text
    assert "max_new_tokens=80" in note.payload.text
    generation = note.metadata["vlm"]["generation"]
    assert generation["truncated"] is True and generation["ended"] is False
    assert generation["tokens"] == cut


def test_a_whole_answer_is_not_reported_cut(folders, tokenizer, clip) -> None:
    backend = backend_for(folders["qwen3"])
    out = ask(backend, forced_answer(tokenizer, "<1.2 seconds>"), "the car", clip)
    assert [type(s.payload) for s in out] == [CutRange]
    generation = out[0].metadata["vlm"]["generation"]
    assert generation["ended"] is True and generation["truncated"] is False


# -- Thinking variants -----------------------------------------------------------------------------


def test_a_thinking_model_answers_after_its_reasoning(folders, tokenizer, clip) -> None:
    backend = backend_for(folders["thinking"])
    assert backend.loaded.thinking
    reply = (
        "The car may be there at <3.2 seconds>, but no: it enters at the second pair."
        "</think>\n<1.2 seconds> to <2.2 seconds>"
    )
    (s,) = ask(backend, forced_answer(tokenizer, reply), "the car", clip)
    assert s.payload.range == TimeRange(Time(25, TB25), Time(50, TB25))  # not 3.0 s
    generation = s.metadata["vlm"]["generation"]
    assert generation["thinking"] is True
    assert generation["thinking_tokens_reserved"] == THINKING_RESERVE
    assert generation["max_new_tokens"] == ANSWER_TOKENS[Task.TEMPORAL] + THINKING_RESERVE


def test_reasoning_that_never_ends_is_no_answer(folders, tokenizer, clip) -> None:
    backend = backend_for(folders["thinking"])
    forced = forced_answer(tokenizer, "The car is at <1.2 seconds> or maybe " * 20)
    (s,) = ask(backend, forced, "the car", clip, max_new_tokens=8, thinking_tokens=8)
    assert isinstance(s.payload, Answer) and not s.payload.ranges
    assert "still reasoning" in s.payload.text


def test_instruct_models_are_not_thinking(folders) -> None:
    assert not backend_for(folders["qwen3"]).loaded.thinking
    assert not backend_for(folders["qwen25"]).loaded.thinking


# -- the task, chosen or forced ---------------------------------------------------------


def test_option_task_overrides_the_words(folders, tokenizer, clip) -> None:
    from vidi_desktop.models.protocol import RequestError

    boxes = '[{"time": 1.2, "bbox_2d": [100, 100, 500, 500]}]'
    # --option task=grounding (a backend option): a plain description becomes a tube.
    grounding = backend_for(folders["qwen3"], task="grounding")
    (s,) = ask(grounding, forced_answer(tokenizer, boxes), "the red car", clip)
    assert isinstance(s.payload, ObjectTube)
    # A request's own option wins: "Where is…" asked as a time range.
    (s,) = ask(grounding, forced_answer(tokenizer, "<1.2 seconds>"), "Where is the car?",
               clip, task="temporal")
    assert isinstance(s.payload, CutRange)
    (s,) = ask(grounding, forced_answer(tokenizer, "A car."), "the car", clip, task="answer")
    assert isinstance(s.payload, Answer) and s.payload.text == "A car."
    with pytest.raises(RequestError, match="unknown task 'tube please'"):
        ask(grounding, forced_answer(tokenizer, "x"), "the car", clip, task="tube please")
