"""Tiny Qwen3-VL request end to end on the CPU: import, load, first and warm request, peak RSS.

The model is the 2-layer, hidden-64 Qwen3-VL the tests build offline (tests/models/tiny_vlm.py);
its answer is forced through the real ``generate`` loop by the test-only logits processor, so
the figures are the real path's overhead (sampling, processor, generate, parsing), not a
model's quality. Run from the repository root:

    .venv/bin/python benchmarks/bench_vlm_tiny.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "models"))
RESULTS = REPO / "bench-results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="warm requests (5)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    import torch
    import transformers  # noqa: F401

    torch.set_num_threads(1)
    import_s = time.perf_counter() - t0

    from tiny_vlm import build_tiny_vlm, forced_answer

    from vidi_desktop.media.synth import write_clip
    from vidi_desktop.models.protocol import AssetRef, Request
    from vidi_desktop.models.vlm.backend import TransformersVLMBackend

    work = Path(tempfile.mkdtemp(prefix="bench-vlm-"))
    clip = work / "clip.mp4"
    write_clip(clip, frames=100, rate=25, size=(320, 240), gop=25)
    folder = build_tiny_vlm(work / "Qwen3-VL-Tiny", "qwen3_vl")

    backend = TransformersVLMBackend(model_path=str(folder), device="cpu")
    t0 = time.perf_counter()
    backend.load(lambda f, m: None, threading.Event())
    load_s = time.perf_counter() - t0

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    request = Request("when does the red car drive past", (AssetRef("a", str(clip)),))
    times = []
    for _ in range(args.rounds + 1):
        backend.logits_processors = [forced_answer(tokenizer, "<1.0 seconds> to <2.0 seconds>")]
        t0 = time.perf_counter()
        out = backend.run(request, lambda f, m: None, threading.Event())
        times.append(time.perf_counter() - t0)
        assert len(out) == 1, out
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "import_torch_transformers_s": round(import_s, 2),
        "load_s": round(load_s, 2),
        "first_request_s": round(times[0], 3),
        "warm_request_p50_s": round(statistics.median(times[1:]), 3),
        "peak_rss_mib": round(peak_mib),
    }
    for key, value in figures.items():
        print(f"{key:32} {value}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_vlm_tiny.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
