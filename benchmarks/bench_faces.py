"""Face recall by face size against the analysis picture size and sample rate, and the cost.

Which picture size and how many samples a second the default analysis runs CenterFace at
is chosen from these figures (issue 17: "faces at a resolution/sample rate chosen by
measured recall on small faces").

1. **Recall by size.** The two real faces of ``goldeneye-vfr-drop3.mp4`` (frame 150, cut out
   at full resolution, and their mirror images) are pasted at known places and widths of
   20-200 px into 1920x1080 frames of real footage (``testvideo.mp4``, ``example.mp4``
   and ``issue-195-aspect-ratio.mp4`` scaled up), encoded with x264 and read back through
   the analysis decode path; CenterFace runs on the frame at each ``--sides`` size. A face
   counts as found when a box overlaps it by IoU >= 0.4; boxes on no pasted face are false
   alarms (the footage has faces of its own: those frames are left out of the count by
   taking only frames the detector finds nothing in at 960 px before pasting).
2. **Cost.** Milliseconds per CenterFace call at each size (best of ``--rounds``), for each
   engine of ``--engines`` (ONNX Runtime, the default, and OpenCV's dnn) on the same pictures.
3. **Sample rate.** For a face that appears and leaves, how far a tube's visible range can be
   from the truth at 1-5 samples a second (half a sample interval plus the bridge rules) is
   arithmetic, reported beside the cost per second of footage.

Needs ``../shared/media`` (``--shared``); writes ``bench-results/bench_faces.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench-results"
WIDTHS = (20, 24, 28, 32, 40, 48, 64, 80, 96, 128, 160, 200)


def cutouts(shared: Path) -> list[tuple[Any, tuple[float, float, float, float]]]:
    """Face pictures (RGB) with the face box inside each: the two goldeneye faces, mirrored
    too."""
    from vidi_desktop.analysis.faces import CenterFace
    from vidi_desktop.media.decode import iter_decoded

    for f in iter_decoded(shared / "goldeneye-vfr-drop3.mp4", start_frame=150):
        frame = f.image("rgb24", max(f.full_size)).copy()
        break
    boxes = sorted(CenterFace().detect(frame), key=lambda b: b[0])
    out = []
    for b in boxes:
        pad = 0.25 * (b[2] - b[0])
        x0, y0 = max(0, int(b[0] - pad)), max(0, int(b[1] - pad))
        x1, y1 = min(frame.shape[1], int(b[2] + pad)), min(frame.shape[0], int(b[3] + pad))
        crop = frame[y0:y1, x0:x1].copy()
        box = (b[0] - x0, b[1] - y0, b[2] - x0, b[3] - y0)
        out.append((crop, box))
        w = crop.shape[1]
        out.append((crop[:, ::-1].copy(), (w - box[2], box[1], w - box[0], box[3])))
    return out


def backgrounds(shared: Path, count: int) -> list[Any]:
    """1920x1080 RGB frames of real footage in which CenterFace finds no face at 960 px."""
    import cv2

    from vidi_desktop.analysis.faces import CenterFace
    from vidi_desktop.media.decode import iter_decoded

    model = CenterFace()
    out: list[Any] = []
    names = ("testvideo.mp4", "example.mp4", "issue-195-aspect-ratio.mp4")
    for name in names:
        for f in iter_decoded(shared / name):
            if f.index % 23:
                continue
            img = cv2.resize(f.image("rgb24", 1920), (1920, 1080), interpolation=cv2.INTER_LINEAR)
            small = cv2.resize(img, (960, 540), interpolation=cv2.INTER_AREA)
            if not model.detect(small):
                out.append(img)
            if len(out) >= count * (names.index(name) + 1) // len(names):
                break
    return out


def make_clip(shared: Path, frames: int, seed: int = 5) -> tuple[Path, list[list[tuple]]]:
    """The test clip and, per frame, the pasted faces' boxes in 1920x1080 pixels."""
    import cv2
    import numpy as np

    from vidi_desktop.media.synth import write_clip

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench_faces_{frames}.mp4"
    truth_file = path.with_suffix(".json")
    if path.is_file() and truth_file.is_file():
        return path, [[tuple(b) for b in row] for row in json.loads(truth_file.read_text())]
    faces = cutouts(shared)
    bgs = backgrounds(shared, frames)
    rng = np.random.default_rng(seed)
    pictures, truth = [], []
    for n in range(frames):
        img = bgs[n % len(bgs)].copy()
        placed: list[tuple[int, int, int, int]] = []
        row: list[tuple[float, float, float, float, int]] = []
        for _ in range(40):  # up to 6 faces of several sizes, not overlapping
            if len(placed) >= 6:
                break
            width = int(WIDTHS[int(rng.integers(0, len(WIDTHS)))])
            crop, box = faces[int(rng.integers(0, len(faces)))]
            scale = width / (box[2] - box[0])
            ch, cw = round(crop.shape[0] * scale), round(crop.shape[1] * scale)
            x, y = int(rng.integers(0, 1920 - cw)), int(rng.integers(0, 1080 - ch))
            if any(x < p[2] + 10 and p[0] < x + cw + 10 and y < p[3] + 10 and p[1] < y + ch + 10
                   for p in placed):
                continue
            interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
            img[y : y + ch, x : x + cw] = cv2.resize(crop, (cw, ch), interpolation=interp)
            placed.append((x, y, x + cw, y + ch))
            row.append((x + box[0] * scale, y + box[1] * scale,
                        x + box[2] * scale, y + box[3] * scale, width))  # fmt: skip
        truth.append(row)
        pictures.append(img)
    write_clip(path, frames=frames, rate=25, size=(1920, 1080), picture=lambda k: pictures[k],
               stamp=False, crf=20, preset="veryfast")
    truth_file.write_text(json.dumps(truth))
    return path, truth


def iou(a: tuple, b: tuple) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def recall_by_size(path: Path, truth: list[list[tuple]], sides: list[int], rounds: int,
                   engines: list[str]) -> dict[str, Any]:
    """Recall by face width, false alarms and ms a call for each CenterFace engine and picture
    size; the engines take turns on each picture, so their costs share the machine's load."""
    from vidi_desktop.analysis.faces import CenterFace
    from vidi_desktop.media.decode import iter_decoded

    models = {e: CenterFace(engine=e) for e in engines}
    runs = [(e, s) for e in engines for s in sides]
    found = {r: {w: [0, 0] for w in WIDTHS} for r in runs}
    false = dict.fromkeys(runs, 0)
    cost = dict.fromkeys(runs, float("inf"))
    frames = 0
    for f in iter_decoded(path):
        frames += 1
        for side in sides:
            rgb = f.image("rgb24", side)
            h, w = rgb.shape[:2]
            for engine in engines:
                run = (engine, side)
                best = float("inf")
                for _ in range(rounds):
                    t = time.perf_counter()
                    boxes = models[engine].detect(rgb)
                    best = min(best, time.perf_counter() - t)
                cost[run] = min(cost[run], best)
                sx, sy = 1920 / w, 1080 / h
                boxes = [(b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy) for b in boxes]
                used = set()
                for tb in truth[f.index]:
                    hit = [i for i, b in enumerate(boxes) if iou(tb[:4], b) >= 0.4]
                    found[run][int(tb[4])][1] += 1
                    if hit:
                        found[run][int(tb[4])][0] += 1
                        used.update(hit)
                false[run] += len(boxes) - len(used)
    out: dict[str, Any] = {"frames": frames}
    for engine, side in runs:
        out.setdefault(engine, {})[str(side)] = {
            "ms_per_call": round(cost[engine, side] * 1000, 1),
            "false_alarms": false[engine, side],
            "recall_by_width_px": {
                str(w): f"{a}/{n}" for w, (a, n) in found[engine, side].items() if n
            },
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path,
                    default=Path(os.environ.get("VIDI_SHARED_MEDIA",
                                                REPO.parent / "shared" / "media")))
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--sides", default="320,384,448,512,640,960")
    ap.add_argument("--rounds", type=int, default=2, help="timed calls per frame and size (2)")
    ap.add_argument("--engines", default="onnxruntime,opencv",
                    help="CenterFace engines compared on the same pictures (onnxruntime,opencv)")
    args = ap.parse_args()
    if not (args.shared / "goldeneye-vfr-drop3.mp4").is_file():
        raise SystemExit(f"needs the shared footage ({args.shared})")
    os.environ.setdefault("VIDI_DESKTOP_CACHE_DIR", tempfile.mkdtemp(prefix="vidi-bench-"))
    path, truth = make_clip(args.shared, args.frames)
    sides = [int(s) for s in args.sides.split(",")]
    results = {
        "load_avg_1min": round(os.getloadavg()[0], 1),
        "recall": recall_by_size(path, truth, sides, args.rounds, args.engines.split(",")),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_faces.json").write_text(json.dumps(results, indent=2))
    rec = results["recall"]
    print(f"{rec['frames']} frames, load {results['load_avg_1min']}")
    print(f"{'engine':>11s} {'side':>5s} {'ms':>6s} {'false':>5s}  "
          + " ".join(f"{w:>6d}" for w in WIDTHS))
    for engine in args.engines.split(","):
        for side in sides:
            r = rec[engine][str(side)]
            cells = []
            for w in WIDTHS:
                a, n = r["recall_by_width_px"].get(str(w), "0/0").split("/")
                cells.append(f"{int(a) / int(n):6.2f}" if int(n) else "     -")
            print(f"{engine:>11s} {side:5d} {r['ms_per_call']:6.1f} {r['false_alarms']:5d}  "
                  + " ".join(cells))


if __name__ == "__main__":
    main()
