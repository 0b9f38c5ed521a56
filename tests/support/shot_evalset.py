"""The shot-boundary evaluation set: clips made with PyAV whose boundaries are known exactly.

Each clip strings together single shots — cut-free stretches of the shared real footage when
``../shared/media`` is there, synthetic textures and pans over stills otherwise or besides —
joined by hard cuts, cross-dissolves and fades to/from black of various lengths. Inside
shots it plants what must *not* count as a boundary: flashes (1–3 frames going white) and
fast camera pans (a moving, motion-blurred crop over a still). Clips come at 23.976, 25,
29.97 and 60 fps and one variable-rate clip (frames dropped at random from a 29.97 grid).

Counting rules (the detector follows the same ones, see ``analysis/shots.py``):

* a cut's ``frame`` is the first frame of the new shot; its span is ``(frame, frame)``;
* a dissolve's span is its blended frames, its ``frame`` the first where the new shot
  weighs at least half;
* a fade-out followed by a black hold of 0.5 s or more, then a fade-in, is two boundaries
  (the black is a shot of its own): ``fade`` ``out`` (``frame`` = first all-black frame)
  and ``fade`` ``in`` (``frame`` = first frame showing the new shot);
* with a shorter black hold it is one boundary, a *dip to black*: ``fade`` ``out_in``,
  span from the first fading frame to the last frame of the fade-in, ``frame`` = the first
  frame showing the new shot. A fade-out followed within 0.5 s by a hard cut is likewise
  one boundary (``fade`` ``out``, span up to the cut, ``frame`` = the cut).

Everything is deterministic (seeded); clips are written once into a cache folder with a
JSON file of their truth beside them, keyed by a version and their parameters.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

EVALSET_VERSION = 2
DIP_MAX_HOLD = Fraction(1, 2)  # seconds of black below which fade-out + next shot is one boundary

NTSC_FILM = Fraction(24000, 1001)
NTSC = Fraction(30000, 1001)


# -- truth -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrueBoundary:
    """A known boundary: kind ``cut``/``fade``/``dissolve``, frames of its span (inclusive)."""

    frame: int
    kind: str
    span: tuple[int, int]
    direction: str | None = None  # fades: "in", "out" or "out_in" (dip to black)


@dataclass(frozen=True, slots=True)
class Distractor:
    """Something that must not be reported: ``flash`` or ``pan``, over frames ``span``."""

    kind: str
    span: tuple[int, int]


@dataclass(frozen=True)
class EvalClip:
    """A generated clip and its truth."""

    name: str
    path: Path
    rate: Fraction | None  # None: variable frame rate
    frames: int
    size: tuple[int, int]
    boundaries: tuple[TrueBoundary, ...]
    distractors: tuple[Distractor, ...] = ()
    sources: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "version": EVALSET_VERSION,
            "name": self.name,
            "rate": None if self.rate is None else f"{self.rate.numerator}/{self.rate.denominator}",
            "frames": self.frames,
            "size": list(self.size),
            "boundaries": [asdict(b) for b in self.boundaries],
            "distractors": [asdict(d) for d in self.distractors],
            "sources": list(self.sources),
        }

    @classmethod
    def from_json(cls, data: dict[str, object], path: Path) -> EvalClip:
        rate = data["rate"]
        return cls(
            name=str(data["name"]),
            path=path,
            rate=None if rate is None else Fraction(str(rate)),
            frames=int(data["frames"]),  # type: ignore[call-overload]
            size=tuple(data["size"]),  # type: ignore[arg-type]
            boundaries=tuple(
                TrueBoundary(b["frame"], b["kind"], tuple(b["span"]), b.get("direction"))
                for b in data["boundaries"]  # type: ignore[attr-defined]
            ),
            distractors=tuple(
                Distractor(d["kind"], tuple(d["span"]))
                for d in data["distractors"]  # type: ignore[attr-defined]
            ),
            sources=tuple(data.get("sources", ())),  # type: ignore[attr-defined]
        )


@dataclass(frozen=True, slots=True)
class ClipSpec:
    """What to generate: a name, a rate (``vfr`` drops frames from it), length, seed, size."""

    name: str
    rate: Fraction
    seconds: float
    seed: int
    size: tuple[int, int] = (480, 270)
    vfr: bool = False
    use_shared: bool = True
    preset: str = "veryfast"  # x264's: deblocking and CABAC on, like camera footage

    def key(self) -> str:
        w, h = self.size
        kind = "vfr" if self.vfr else f"{self.rate.numerator}-{self.rate.denominator}"
        src = "real" if self.use_shared else "synth"
        extra = "" if self.preset == "veryfast" else f"_{self.preset}"
        return (
            f"v{EVALSET_VERSION}_{self.name}_{kind}_{self.seconds:g}s_{w}x{h}_s{self.seed}_{src}"
            f"{extra}"
        )


def standard_specs(
    size: tuple[int, int] = (480, 270), seconds: float = 60.0, split: str = "dev"
) -> list[ClipSpec]:
    """The evaluation set: one clip per rate (23.976, 25, 29.97, 60) and a VFR one.

    ``split`` picks the seeds: ``"dev"`` (what the detector was tuned on) or ``"test"``
    (held out: other shots, transitions and distractors drawn the same way).
    """
    if split not in ("dev", "test"):
        raise ValueError(f"split must be 'dev' or 'test', got {split!r}")
    base = 10 if split == "dev" else 20
    return [
        ClipSpec(f"{split}-film", NTSC_FILM, seconds, base + 1, size),
        ClipSpec(f"{split}-pal", Fraction(25), seconds, base + 2, size),
        ClipSpec(f"{split}-ntsc", NTSC, seconds, base + 3, size),
        ClipSpec(f"{split}-sixty", Fraction(60), seconds, base + 4, size),
        ClipSpec(f"{split}-vfr", NTSC, seconds, base + 5, size, vfr=True),
    ]


# -- sources: single shots that play frame by frame ------------------------------------------


class Source:
    """A single shot: ``frames(start, size)`` yields RGB pictures from its frame ``start`` on.

    ``scene`` names where the picture comes from: two shots of one scene are never placed
    side by side (a jump cut within one take is not what the set measures).
    """

    name: str = "source"
    scene: str = ""
    length: int | None = None  # frames available; None: unlimited

    def frames(self, start: int, size: tuple[int, int]) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def distractors(self, offset: int, count: int) -> list[tuple[str, int, int]]:
        """Distractors inside frames ``offset`` … ``offset + count - 1`` of the source."""
        return []


def fit_cover(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale ``img`` to cover ``size`` (w, h) and crop the centre: no bars, no distortion."""
    import cv2

    w, h = size
    ih, iw = img.shape[:2]
    scale = max(w / iw, h / ih)
    sw, sh = max(w, round(iw * scale)), max(h, round(ih * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(img, (sw, sh), interpolation=interp)
    x0, y0 = (sw - w) // 2, (sh - h) // 2
    return scaled[y0 : y0 + h, x0 : x0 + w]


class ClipRange(Source):
    """Frames ``first`` … ``last`` of a real clip, a stretch known to hold no boundary.

    Played forwards then backwards (and so on) when a shot needs more frames than the
    stretch has: the motion turns around, the shot stays one shot. The frames are decoded
    once per shot and kept at no more than 640×360 (upscaled on the way out for larger
    clips) so that memory stays modest.
    """

    _CACHE_SIDE = 640

    def __init__(self, path: Path, first: int, last: int, scene: str | None = None) -> None:
        self.path = path
        self.first, self.last = first, last
        self.length = None  # endless through back-and-forth play
        self.count = last - first + 1
        self.name = f"{path.name}[{first}:{last + 1}]"
        self.scene = scene or self.name

    def frames(self, start: int, size: tuple[int, int]) -> Iterator[np.ndarray]:
        from vidi_desktop.media.decode import iter_decoded

        w, h = size
        scale = min(1.0, self._CACHE_SIDE / max(w, h))
        cache_size = (max(2, round(w * scale)), max(2, round(h * scale)))
        frames = []
        for f in iter_decoded(self.path, start_frame=self.first, end_frame=self.last + 1):
            fw, fh = f.full_size
            frames.append(fit_cover(f.image("rgb24", max(fw, fh)), cache_size))
        if not frames:
            raise ValueError(f"{self.name}: nothing decoded")
        n = len(frames)
        period = max(1, 2 * (n - 1))
        k = start
        while True:
            q = k % period
            img = frames[q if q < n else period - q]
            yield img if cache_size == size else fit_cover(img, size)
            k += 1


class Pattern(Source):
    """The synthetic panning texture of :mod:`vidi_desktop.media.synth` (endless)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.name = self.scene = f"pattern{seed}"

    def frames(self, start: int, size: tuple[int, int]) -> Iterator[np.ndarray]:
        from vidi_desktop.media.synth import moving_pattern

        make = moving_pattern(size[0], size[1], self.seed)
        n = start
        while True:
            yield make(n)
            n += 1


def synthetic_still(seed: int, size: tuple[int, int]) -> np.ndarray:
    """A smooth random colour picture with some fine texture (a stand-in for a photo)."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    w, h = size
    coarse = rng.integers(0, 256, size=(max(2, h // 60), max(2, w // 60), 3), dtype=np.uint8)
    img = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    fine = rng.integers(-24, 25, size=(h // 4 + 1, w // 4 + 1, 1), dtype=np.int16)
    img += np.repeat(np.repeat(fine, 4, axis=0), 4, axis=1)[:h, :w]
    return np.clip(img, 0, 255).astype(np.uint8)


class PanOverStill(Source):
    """A camera pan across a still: still, a fast motion-blurred pan, still again (endless).

    The pan starts ``pan_at`` frames in and moves ``speed`` × the frame width per frame for
    ``pan_frames`` frames (with two frames to speed up and two to slow down). It is a
    *distractor*: the same scene throughout, so no boundary may be reported.
    """

    def __init__(
        self,
        still: Callable[[tuple[int, int]], np.ndarray],
        name: str,
        speed: float,
        pan_at: int,
        pan_frames: int,
    ) -> None:
        self.still = still
        self.name = f"pan({name},{speed:.2f})"
        self.speed, self.pan_at, self.pan_frames = speed, pan_at, pan_frames
        self.scene = name

    def _offsets(self, width: int) -> list[float]:
        """Horizontal crop offset (pixels) at every frame of the pan, ramps included."""
        v = self.speed * width
        speeds = [v / 3, 2 * v / 3] + [v] * self.pan_frames + [2 * v / 3, v / 3]
        x, xs = 0.0, []
        for s in speeds:
            x += s
            xs.append(x)
        return xs

    def frames(self, start: int, size: tuple[int, int]) -> Iterator[np.ndarray]:
        import numpy as np

        w, h = size
        xs = self._offsets(w)
        travel = xs[-1]
        big = fit_cover(self.still((w * 2, h)), (int(w + travel) + 8, h))
        n = start
        while True:
            k = n - self.pan_at
            if k < 0:
                x0, x1 = 0.0, 0.0
            elif k < len(xs):
                x0, x1 = (xs[k - 1] if k else 0.0), xs[k]
            else:
                x0 = x1 = travel
            # Motion blur: the shutter is open over the half of the frame's travel.
            samples = [x0 + (x1 - x0) * (0.5 + 0.5 * i / 3) for i in range(4)]
            acc = np.zeros((h, w, 3), np.float32)
            for sx in samples:
                xi = round(sx)
                acc += big[:, xi : xi + w]
            yield (acc / len(samples)).astype(np.uint8)
            n += 1

    def distractors(self, offset: int, count: int) -> list[tuple[str, int, int]]:
        first, last = self.pan_at, self.pan_at + self.pan_frames + 3
        if last < offset or first >= offset + count:
            return []
        return [("pan", max(first, offset) - offset, min(last, offset + count - 1) - offset)]


class DriftOverStill(Source):
    """A slow, steady drift across a still (a calm handheld shot); endless."""

    def __init__(
        self, still: Callable[[tuple[int, int]], np.ndarray], name: str, speed: float
    ) -> None:
        self.still = still
        self.speed = speed
        self.name = f"drift({name},{speed:.3f})"
        self.scene = name

    def frames(self, start: int, size: tuple[int, int]) -> Iterator[np.ndarray]:
        import numpy as np

        w, h = size
        big = fit_cover(self.still((w * 2, h)), (w * 2, h + h // 4))
        room_x, room_y = big.shape[1] - w, big.shape[0] - h
        n = start
        while True:
            # Back and forth so that it never runs out of picture.
            phase = (n * self.speed * w) % (2 * room_x)
            x = int(phase if phase <= room_x else 2 * room_x - phase)
            y = int(room_y / 2 + room_y / 2 * np.sin(n / 40.0))
            yield np.ascontiguousarray(big[y : y + h, x : x + w])
            n += 1


def shared_sources(shared: Path) -> list[ClipRange]:
    """Cut-free stretches of the shared footage (boundaries located by their README)."""
    ranges = {
        "goldeneye-vfr-drop3.mp4": [(0, 59), (60, 139), (140, 159)],
        "issue-195-aspect-ratio.mp4": [
            (0, 69),
            (70, 169),
            (170, 300),
            (301, 420),
            (421, 483),
            (484, 627),
        ],
        "issue-236-split-copy.mkv": [(19, 47)],
        "testvideo.mp4": [(30, 179), (241, 330), (424, 528), (559, 663)],
        "example.mp4": [(0, 299), (600, 899)],
    }
    out = []
    for name, spans in ranges.items():
        p = shared / name
        if p.is_file():
            # example.mp4 is one card with a running timecode: its two stretches are one scene.
            scene = name if name == "example.mp4" else None
            out.extend(ClipRange(p, a, b, scene) for a, b in spans)
    return out


_STILLS = [
    ("testvideo.mp4", 100),
    ("testvideo.mp4", 450),
    ("goldeneye-vfr-drop3.mp4", 100),
    ("issue-195-aspect-ratio.mp4", 250),
    ("testvideo.mp4", 600),
]


def still_scene(shared: Path | None, which: int) -> str:
    """The scene a still of :func:`shared_still` shows (the real range it is taken from)."""
    if shared is None or not (shared / "testvideo.mp4").is_file():
        return f"still{which}"
    name, frame = _STILLS[which % len(_STILLS)]
    for src in shared_sources(shared):
        if src.path.name == name and src.first <= frame <= src.last:
            return src.scene
    return f"{name}@{frame}"


def shared_still(shared: Path | None, which: int) -> Callable[[tuple[int, int]], np.ndarray]:
    """A still for pans: a frame of the shared footage, else a synthetic picture."""
    name, frame = _STILLS[which % len(_STILLS)]
    path = None if shared is None else shared / name

    def make(size: tuple[int, int]) -> np.ndarray:
        if path is None or not path.is_file():
            return synthetic_still(which, size)
        from vidi_desktop.media.decode import iter_decoded

        for f in iter_decoded(path, start_frame=frame, end_frame=frame + 1):
            fw, fh = f.full_size
            return fit_cover(f.image("rgb24", max(fw, fh)), size)
        return synthetic_still(which, size)

    return make


# -- planning: the timeline of shots, transitions and distractors -----------------------------


@dataclass
class _Shot:
    first: int  # first output frame where it is visible (fully or blended)
    last: int  # last output frame where it is visible
    body: tuple[int, int]  # frames where it is shown alone, clean (distractors go here)
    source: Source | None = None
    offset: int = 0  # source frame shown at ``first``


@dataclass
class Plan:
    """Per output frame: which shots show with which weights, plus the truth."""

    frames: int
    layers: list[list[tuple[int, float]]]  # (shot index, weight); weights < 1 leave black
    flashes: dict[int, float] = field(default_factory=dict)  # frame → white weight
    shots: list[_Shot] = field(default_factory=list)
    boundaries: list[TrueBoundary] = field(default_factory=list)
    distractors: list[Distractor] = field(default_factory=list)


def plan_clip(spec: ClipSpec, sources: Sequence[Source], shared: Path | None) -> Plan:
    """Lay out shots and transitions for ``spec`` (deterministic for its seed)."""
    import numpy as np

    rng = np.random.default_rng(spec.seed)
    fps = float(spec.rate)

    def frames_for(seconds: float) -> int:
        return max(1, round(seconds * fps))

    total = frames_for(spec.seconds)
    layers: list[list[tuple[int, float]]] = [[] for _ in range(total)]
    shots: list[_Shot] = []
    truth: list[TrueBoundary] = []
    dip_hold = frames_for(float(DIP_MAX_HOLD))

    t = 0
    shots.append(_Shot(0, 0, (0, 0)))
    while True:
        cur = len(shots) - 1
        body_len = frames_for(float(rng.uniform(1.2, 4.0)))
        body_start = t
        body_end = min(total, t + body_len)  # exclusive
        for k in range(body_start, body_end):
            layers[k].append((cur, 1.0))
        shots[cur].body = (body_start, body_end - 1)
        shots[cur].last = body_end - 1
        t = body_end
        kind = rng.choice(
            ["cut", "dissolve", "fade_pair", "dip", "fade_cut"], p=[0.45, 0.25, 0.1, 0.12, 0.08]
        )
        # Room for the longest transition plus a minimal next shot, else end the clip here.
        if total - t < frames_for(6.0):
            for k in range(t, total):
                layers[k].append((cur, 1.0))
            shots[cur].last = total - 1
            shots[cur].body = (body_start, total - 1)
            break
        nxt = cur + 1
        if kind == "cut":
            truth.append(TrueBoundary(t, "cut", (t, t)))
            shots.append(_Shot(t, t, (t, t)))
        elif kind == "dissolve":
            n = max(3, frames_for(float(rng.uniform(0.2, 1.5))))
            for k in range(n):
                a = (k + 1) / (n + 1)
                layers[t + k] += [(cur, 1 - a), (nxt, a)]
            half = next(k for k in range(n) if (k + 1) / (n + 1) >= 0.5)
            truth.append(TrueBoundary(t + half, "dissolve", (t, t + n - 1)))
            shots[cur].last = t + n - 1
            shots.append(_Shot(t, t + n - 1, (t + n, t + n)))
            t += n
        else:
            n_out = max(3, frames_for(float(rng.uniform(0.3, 1.5))))
            short = kind == "dip" or kind == "fade_cut"
            hold = (
                int(rng.integers(0, max(1, dip_hold * 3 // 5)))
                if short
                else frames_for(float(rng.uniform(0.8, 1.5)))
            )
            for k in range(n_out):
                layers[t + k].append((cur, 1 - (k + 1) / (n_out + 1)))
            shots[cur].last = t + n_out - 1
            black = t + n_out  # first all-black frame
            start_next = black + hold
            if kind == "fade_cut":
                truth.append(TrueBoundary(start_next, "fade", (t, start_next), "out"))
                shots.append(_Shot(start_next, start_next, (start_next, start_next)))
                t = start_next
            else:
                n_in = max(3, frames_for(float(rng.uniform(0.3, 1.5))))
                for k in range(n_in):
                    layers[start_next + k].append((nxt, (k + 1) / (n_in + 1)))
                if kind == "dip":
                    truth.append(
                        TrueBoundary(start_next, "fade", (t, start_next + n_in - 1), "out_in")
                    )
                else:
                    truth.append(TrueBoundary(black, "fade", (t, black - 1), "out"))
                    truth.append(
                        TrueBoundary(start_next, "fade", (start_next, start_next + n_in - 1), "in")
                    )
                shots.append(_Shot(start_next, start_next + n_in - 1, (0, 0)))
                t = start_next + n_in
        shots[-1].body = (t, t)

    plan = Plan(total, layers, shots=shots, boundaries=truth)
    _assign_sources(plan, sources, rng, spec, shared)
    _plant_flashes(plan, rng, fps)
    return plan


def _assign_sources(
    plan: Plan,
    sources: Sequence[Source],
    rng: np.random.Generator,
    spec: ClipSpec,
    shared: Path | None,
) -> None:
    """Give each shot a source long enough for it, never the one of the shot before."""
    fps = float(spec.rate)
    prev = None
    for i, shot in enumerate(plan.shots):
        need = shot.last - shot.first + 1
        body_first, body_last = shot.body
        body_len = body_last - body_first + 1
        roll = rng.uniform()
        margin = round(0.4 * fps)
        if roll < 0.2 and body_len >= 2 * margin + 8:
            # A shot with a fast pan inside its clean body.
            pan_frames = int(rng.integers(4, 12))
            room = body_len - 2 * margin - pan_frames - 4
            if room > 0:
                pan_at = (body_first - shot.first) + margin + int(rng.integers(0, room))
                speed = float(rng.uniform(0.05, 0.35))
                which = _pick_still(rng, shared, prev)
                shot.source = PanOverStill(
                    shared_still(shared, which),
                    still_scene(shared, which),
                    speed,
                    pan_at,
                    pan_frames,
                )
                shot.offset = 0
                prev = shot.source.scene
                continue
        if roll > 0.85:
            which = _pick_still(rng, shared, prev)
            shot.source = DriftOverStill(
                shared_still(shared, which),
                still_scene(shared, which),
                float(rng.uniform(0.002, 0.01)),
            )
            prev = shot.source.scene
            continue
        fits = [s for s in sources if (s.length is None or s.length >= need) and s.scene != prev]
        if not fits:
            fits = [Pattern(spec.seed * 100 + i)]
        src = fits[int(rng.integers(0, len(fits)))]
        shot.source = src
        room = getattr(src, "count", None) or 1000 if src.length is None else src.length - need + 1
        shot.offset = int(rng.integers(0, max(1, room)))
        prev = src.scene
    for shot in plan.shots:
        assert shot.source is not None
        for kind, a, b in shot.source.distractors(shot.offset, shot.last - shot.first + 1):
            plan.distractors.append(Distractor(kind, (shot.first + a, shot.first + b)))


def _pick_still(rng: np.random.Generator, shared: Path | None, avoid: str | None) -> int:
    """A still (its number) whose scene differs from ``avoid``."""
    for _ in range(20):
        which = int(rng.integers(0, 1000))
        if still_scene(shared, which) != avoid:
            return which
    return which


def _plant_flashes(plan: Plan, rng: np.random.Generator, fps: float) -> None:
    """Flashes of 1–3 frames inside clean shot bodies, away from boundaries and pans."""
    margin = round(0.4 * fps)
    busy = [d.span for d in plan.distractors]
    for shot in plan.shots:
        a, b = shot.body
        if b - a + 1 < 2 * margin + 4 or rng.uniform() > 0.35:
            continue
        n = int(rng.integers(1, 4))
        at = int(rng.integers(a + margin, b - margin - n + 2))
        if any(not (at + n - 1 < s - margin or at > e + margin) for s, e in busy):
            continue
        strength = float(rng.uniform(0.5, 1.0))
        for k in range(n):
            plan.flashes[at + k] = strength
        plan.distractors.append(Distractor("flash", (at, at + n - 1)))


# -- rendering -----------------------------------------------------------------------------------


def _render_frames(plan: Plan, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """Compose every output frame from its shots' pictures (sequential decode per shot)."""
    import numpy as np

    w, h = size
    iters: dict[int, Iterator[np.ndarray]] = {}
    for t in range(plan.frames):
        pictures = []
        for shot_i, weight in plan.layers[t]:
            it = iters.get(shot_i)
            if it is None:
                shot = plan.shots[shot_i]
                assert shot.source is not None
                it = iters[shot_i] = shot.source.frames(shot.offset, size)
            pictures.append((weight, next(it)))
        for shot_i in [i for i in iters if plan.shots[i].last <= t]:
            iters.pop(shot_i)
        flash = plan.flashes.get(t)
        if len(pictures) == 1 and pictures[0][0] == 1.0 and flash is None:
            yield np.ascontiguousarray(pictures[0][1])  # a clean frame: nothing to blend
            continue
        acc = np.zeros((h, w, 3), np.float32)
        for weight, img in pictures:
            acc += weight * img.astype(np.float32)
        if flash is not None:
            acc = acc * (1 - flash) + 255.0 * flash
        yield np.clip(acc + 0.5, 0, 255).astype(np.uint8)


def vfr_pts(frames: int, seed: int, drop: float = 0.15) -> list[int]:
    """Pts (time base 1/30000) of a 29.97 grid with ``drop`` of the frames dropped."""
    import numpy as np

    rng = np.random.default_rng(seed + 7)
    pts, k = [], 0
    while len(pts) < frames:
        if not pts or rng.uniform() >= drop:
            pts.append(k * 1001)
        k += 1
    return pts


def build_clip(spec: ClipSpec, folder: str | os.PathLike[str], shared: Path | None) -> EvalClip:
    """Write ``spec``'s clip into ``folder`` (once: reused while its truth file is there)."""
    from vidi_desktop.core.atomic import write_atomic, write_via
    from vidi_desktop.media.synth import write_clip

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    use_shared = spec.use_shared and shared is not None and (shared / "testvideo.mp4").is_file()
    spec_eff = replace(spec, use_shared=use_shared)

    key = spec_eff.key()
    video, meta = folder / f"{key}.mp4", folder / f"{key}.json"
    if video.is_file() and meta.is_file():
        try:
            return EvalClip.from_json(json.loads(meta.read_text()), video)
        except (ValueError, KeyError, TypeError):
            pass  # rewritten below
    sources: list[Source] = [Pattern(spec.seed * 10 + k) for k in range(3)]
    if use_shared:
        assert shared is not None
        sources = [*shared_sources(shared), *sources[:1]]
    plan = plan_clip(spec_eff, sources, shared if use_shared else None)
    frames = _render_frames(plan, spec.size)
    kwargs: dict[str, object] = {}
    if spec.vfr:
        kwargs = {"pts": vfr_pts(plan.frames, spec.seed), "time_base": Fraction(1, 30000)}
    write_via(
        video,
        lambda tmp: write_clip(
            tmp,
            frames=plan.frames,
            rate=spec.rate,
            size=spec.size,
            picture=lambda _n: next(frames),
            stamp=False,
            crf=20,
            preset=spec.preset,
            **kwargs,  # type: ignore[arg-type]
        ),
        suffix=".part.mp4",
        durable=False,
    )
    clip = EvalClip(
        name=spec.name,
        path=video,
        rate=None if spec.vfr else spec.rate,
        frames=plan.frames,
        size=spec.size,
        boundaries=tuple(plan.boundaries),
        distractors=tuple(sorted(plan.distractors, key=lambda d: d.span)),
        sources=tuple(s.source.name for s in plan.shots if s.source is not None),
    )
    # The truth file is written last: a clip without one is rebuilt.
    write_atomic(meta, json.dumps(clip.to_json(), indent=1).encode(), durable=False)
    return clip


def build_evalset(
    folder: str | os.PathLike[str],
    shared: Path | None = None,
    specs: Sequence[ClipSpec] | None = None,
) -> list[EvalClip]:
    """Every clip of the evaluation set (``standard_specs()`` unless ``specs``), cached."""
    return [build_clip(s, folder, shared) for s in (specs or standard_specs())]


def fps_of(clip: EvalClip) -> float:
    """Nominal rate for reporting (VFR clips: their 29.97 grid)."""
    return float(clip.rate) if clip.rate is not None else float(NTSC)


def seconds_of(clip: EvalClip) -> float:
    return clip.frames / fps_of(clip) if clip.frames else math.nan
