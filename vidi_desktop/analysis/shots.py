"""Shot boundaries: hard cuts, fades and cross-dissolves, frame-exact, from one decode pass.

:class:`ShotDetector` is a :class:`~vidi_desktop.analysis.base.FrameAnalyser`. It looks at
every frame through a tiny gray picture (the luma plane sampled by strides — the cheap path
of the shared decode — then area-averaged to ~64×36 and ~32×18) and keeps a ring of the
last dozen seconds of them (≈4 MB at 25 fps): memory does not grow with the clip.

* **Cuts.** A frame is a cut when its difference from the previous frame stands out from
  the differences around it (an adaptive threshold: the larger of the neighbouring frames'
  differences and the median over ±¼ s), when it is still large after the best global
  shift of up to ±6 % of the picture (fast camera motion is not a cut), and when the
  picture does not come back within a few frames (a flash — lightning, a camera flash, a
  few white frames — is not a cut).
* **Gradual transitions.** Over windows of 2 frames to 2.5 s ending at each frame, a fade
  or a dissolve moves every pixel steadily from the old picture to the new one: the
  window's net change is large and nearly equals the sum of its frame-to-frame changes
  (camera motion and moving objects go back and forth, so their path is much longer than
  their net change). The best window is then checked frame by frame against the blend
  model ``frame ≈ (1 − α)·first + α·last`` with α rising, which also gives the span. A
  transition to or from a flat picture (black, white, a colour) is a fade, else a
  dissolve — unless both ends show the same scene (a focus pull, a light switched on), a
  shift of up to 20 % of the picture turns one end into the other (a pan), or the picture
  changes about as much over as many frames just before or after (moving light, a crowd:
  a transition is an event). Judging a window waits for the frames after it.
* **Counting.** A black (flat) stretch shorter than 0.5 s is not a shot of its own: a
  fade-out followed within 0.5 s by the next shot (a fade-in or a cut) is one boundary, a
  *dip to black* (``kind="fade"``, ``direction="out_in"`` or ``"out"``); with a longer
  black it is two boundaries (fade-out, then fade-in or cut). A clip that opens with a
  fade-in from less than 0.5 s of black, or ends fading out into less than 0.5 s of black,
  has no boundary there (there is no shot on the other side).

One ``sensitivity`` (0..1, default 0.5) scales every threshold together: candidates are
found with the most sensitive settings and kept when their strength (1.0 = exactly at the
default threshold) reaches ``2.5 ** (1 - 2 * sensitivity)``, so a higher sensitivity
reports a superset. ``confidence`` is ``s² / (1 + s²)`` of that strength: 0.5 at the default
threshold.

Frame numbers are decoded indices in display order and times are the frames' pts, so
variable-frame-rate footage is exact; the frame rate only sizes the windows.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from vidi_desktop.core.project.model import SceneBoundary, Suggestion
from vidi_desktop.core.time import Time

if TYPE_CHECKING:
    import numpy as np

    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.media.decode import DecodedFrame, PassReport
    from vidi_desktop.media.probe import MediaInfo

Kind = Literal["cut", "fade", "dissolve"]
Direction = Literal["in", "out", "out_in"]

FLAT_SHOT_MAX = Fraction(1, 2)
"""Seconds: a flat (black) stretch shorter than this is part of a transition, not a shot."""
_FLAT_SHOT = Time(1, FLAT_SHOT_MAX)


@dataclass(frozen=True, slots=True)
class ShotBoundary:
    """Where a new shot begins.

    ``frame`` is the first frame of the new shot (0-based decoded index) and ``time`` its
    pts. ``span`` is the first and last frame of the transition: ``(frame, frame)`` for a
    cut; for gradual ones the frames that blend or fade (and the black between a fade-out
    and what follows), so ``span[0] <= frame <= span[1] + 1``. ``start``/``end`` are the
    times the transition begins and ends (end exclusive; both ``time`` for a cut).
    ``direction`` says which way a fade goes: ``in`` (from black), ``out`` (to black) or
    ``out_in`` (a dip to black).
    """

    frame: int
    time: Time
    kind: Kind
    span: tuple[int, int]
    confidence: float
    direction: Direction | None = None
    start: Time | None = None
    end: Time | None = None

    @property
    def transition(self) -> str:
        """The boundary in the project's vocabulary: cut, fade_in, fade_out, dissolve…"""
        if self.kind == "fade":
            return {"in": "fade_in", "out": "fade_out"}.get(self.direction or "", "dip_to_black")
        return self.kind

    def to_json(self) -> dict[str, Any]:
        """The ``analyze --json`` form: frame, time (s), kind, span, confidence, direction."""
        out: dict[str, Any] = {
            "frame": self.frame,
            "time": round(float(self.time.seconds), 6),
            "kind": self.kind,
            "span": [self.span[0], self.span[1]],
            "confidence": round(self.confidence, 3),
        }
        if self.direction is not None:
            out["direction"] = self.direction
        return out


def sensitivity_threshold(sensitivity: float) -> float:
    """Strength a candidate needs at ``sensitivity`` (0..1): 2.5 at 0, 1 at 0.5, 0.4 at 1."""
    if not isinstance(sensitivity, int | float) or not 0.0 <= float(sensitivity) <= 1.0:
        raise ValueError(f"sensitivity must be within 0..1, got {sensitivity!r}")
    return 2.5 ** (1.0 - 2.0 * float(sensitivity))


def confidence_of(strength: float) -> float:
    """Map a strength (1 = at the default threshold) to 0..1 (0.5 at the threshold)."""
    s2 = max(0.0, strength) ** 2
    return s2 / (1.0 + s2)


# Default thresholds (strength 1.0). Units: mean absolute luma difference (0..255) of the
# ~64×36 picture for cuts, of the ~32×18 picture for gradual transitions.
_CUT_DIFF = 10.0  # motion-compensated RMS difference across the cut
_CUT_RATIO = 2.6  # how far the cut's difference stands out from its neighbourhood
_GRAD_DISP = 12.0  # net change over a gradual transition
_NOISE_FLOOR = 1.0  # differences below this are noise (keeps ratios finite on still pictures)
_MIN_THRESHOLD = sensitivity_threshold(1.0)
_STRAIGHT_MIN = 0.55  # net change / path length of a blend (1.0 ideal)
_RESIDUAL_MAX = 0.3  # blend-model misfit of the middle frames, relative to the net change
_RESIDUAL_MAX_FADE = 0.45  # … for a fade whose contrast grows or dies away steadily
_SAME_SCENE_NCC = 0.75  # ends correlated more than this: same scene (focus, light), no dissolve
_MOTION_EXPLAINED = 0.6  # a shift leaving less than this share of the difference: motion
_DISSOLVE_CONTRAST = 1.05  # change across a dissolve / change beside it, at least
_FLAT_RATIO = 0.3  # an end is flat when its contrast is below this share of the other end's
_FLAT_SIGMA = 4.0  # … or below this absolute contrast


@dataclass
class _Candidate:
    """A boundary before thresholds and counting rules; ``strength`` 1 = default threshold."""

    frame: int
    kind: Kind
    span: tuple[int, int]
    strength: float
    direction: Direction | None = None
    from_flat: bool = False  # the picture before is flat (black)
    to_flat: bool = False  # the picture after is flat
    start: Time | None = None
    end: Time | None = None
    time: Time | None = None
    first_pos: int = 0  # position (frames fed) of the first frame it involves
    last_pos: int = 0  # … and of the last


class ShotDetector:
    """Streaming shot-boundary detector; feed it every frame of one decode pass."""

    name = "shots"

    def __init__(self, sensitivity: float = 0.5, *, max_transition_s: float = 2.5) -> None:
        self.threshold = sensitivity_threshold(sensitivity)
        self.sensitivity = float(sensitivity)
        self.max_transition_s = max_transition_s
        self._started = False

    # -- FrameAnalyser ----------------------------------------------------------------------
    def begin(self, info: MediaInfo | None) -> None:
        """Size the windows from the clip's rate (30 fps when unknown) and reset."""
        import cv2
        import numpy as np

        self._cv2, self._np = cv2, np
        fps = 30.0
        if info is not None and info.video is not None:
            rate = info.video.rate.value if info.video.rate else info.video.average_rate
            if rate:
                fps = float(rate)
        fps = min(max(fps, 1.0), 240.0)
        self._fps = fps
        self._max_len = int(min(max(round(self.max_transition_s * fps), 8), 300))
        scales, s = [], 2.0
        while round(s) <= self._max_len:
            if not scales or round(s) != scales[-1]:
                scales.append(round(s))
            s *= 1.35
        self._scales = scales
        self._scales_arr = np.asarray(scales, np.int64)
        self._flash = max(3, round(0.13 * fps))  # look-ahead for a flash to end
        self._wing = max(4, round(0.25 * fps))  # neighbourhood of a cut's adaptive threshold
        self._delay = max(self._flash, self._wing) + 1
        # The ring holds a window and 5/3 as much before and after it (for its contrast with
        # its surroundings, see ``_contrast``), and the cut test's look-ahead.
        self._ring = 5 * self._max_len + self._delay + 8
        self._reset()
        self._started = True

    @property
    def memory_frames(self) -> int:
        """How many frames the detector keeps in view (known after :meth:`begin`)."""
        return self._ring

    def _reset(self) -> None:
        np = self._np
        r = self._ring
        self._n = 0  # frames seen
        self._idx = np.full(r, -1, np.int64)  # decoded index held in each slot
        self._times: list[Time | None] = [None] * r
        # Pictures of the last ``r`` frames, allocated at the first frame (its size).
        self._small = np.zeros((0, 0, 0), np.float32)
        self._tiny = np.zeros((0, 0, 0), np.float32)
        self._mean = np.zeros(r)
        self._sigma = np.zeros(r)
        self._diff = np.zeros(r)  # mean |Δ| to the previous frame, small picture
        self._tdiff = np.zeros(r)  # the same on the tiny picture
        self._path = np.zeros(r)  # running sum of ``_tdiff`` (path length)
        self._cut_done = 0  # next position whose cut test is pending
        self._cluster: list[tuple[float, int, int, float, float]] = []  # gradual windows
        self._pending: list[tuple[int, list[tuple[float, int, int, float, float]]]] = []
        self._cluster_last = -1
        self._cluster_first = 0
        self._cands: list[_Candidate] = []  # not yet settled
        self._out: list[ShotBoundary] = []  # settled, above the threshold
        self._settled_any = False
        self._first_time = Time(0, Fraction(1))

    def wants(self, index: int) -> bool:
        return True

    def feed(self, frame: DecodedFrame) -> None:
        if not self._started:
            raise RuntimeError("ShotDetector.feed before begin")
        cv2, np = self._cv2, self._np
        gray = frame.image("gray", 128)
        h, w = gray.shape
        small = cv2.resize(gray, (max(2, w // 2), max(2, h // 2)), interpolation=cv2.INTER_AREA)
        small = small.astype(np.float32)
        tiny = cv2.resize(small, (max(2, w // 4), max(2, h // 4)), interpolation=cv2.INTER_AREA)
        pos = self._n
        k = pos % self._ring
        mean, sd = cv2.meanStdDev(small)
        self._mean[k], self._sigma[k] = float(mean[0, 0]), float(sd[0, 0])
        if pos:
            pk = (pos - 1) % self._ring
            prev_small, prev_tiny = self._small[pk], self._tiny[pk]
            if prev_small.shape != small.shape:
                # The picture size changed mid-stream: compare at the size the ring holds.
                small = cv2.resize(small, prev_small.shape[::-1], interpolation=cv2.INTER_AREA)
                tiny = cv2.resize(tiny, prev_tiny.shape[::-1], interpolation=cv2.INTER_AREA)
            self._diff[k] = cv2.norm(small, prev_small, cv2.NORM_L1) / small.size
            self._tdiff[k] = cv2.norm(tiny, prev_tiny, cv2.NORM_L1) / tiny.size
            self._path[k] = self._path[pk] + self._tdiff[k]
        else:
            self._small = np.zeros((self._ring, *small.shape), np.float32)
            self._tiny = np.zeros((self._ring, *tiny.shape), np.float32)
            self._diff[k] = self._tdiff[k] = self._path[k] = 0.0
            self._first_time = frame.time
        self._idx[k] = frame.index
        self._times[k] = frame.time
        self._small[k], self._tiny[k] = small, tiny
        self._n = pos + 1
        self._scan_gradual(pos)
        while self._cut_done <= pos - self._delay:
            self._test_cut(self._cut_done, pos)
            self._cut_done += 1
        if pos % 256 == 255:
            self._settle(final=False)

    def finish(self) -> list[ShotBoundary]:
        if not self._started:
            return []
        last = self._n - 1
        while self._cut_done <= last:
            self._test_cut(self._cut_done, last)
            self._cut_done += 1
        self._close_cluster()
        self._evaluate_pending(None)
        self._settle(final=True)
        self._started = False
        return sorted(self._out, key=lambda b: b.frame)

    # -- ring helpers ------------------------------------------------------------------------
    def _time(self, pos: int) -> Time:
        t = self._times[pos % self._ring]
        assert t is not None
        return t

    def _frame_duration(self, pos: int) -> Time:
        """Duration of frame ``pos``: to the next frame's pts, else the previous frame's."""
        if pos + 1 < self._n and pos + 1 > self._n - self._ring:
            return self._time(pos + 1) - self._time(pos)
        if pos >= 1 and pos - 1 > self._n - self._ring:
            return self._time(pos) - self._time(pos - 1)
        return Time.from_seconds(Fraction(1) / Fraction(self._fps).limit_denominator(1001))

    def _end_time(self, pos: int) -> Time:
        """Exclusive end of frame ``pos``: the next frame's pts when known."""
        return self._time(pos) + self._frame_duration(pos)

    def _index(self, pos: int) -> int:
        return int(self._idx[pos % self._ring])

    # -- motion-compensated difference -------------------------------------------------------
    def _mc_diff(self, a: int, b: int, reach: float = 0.06) -> float:
        """RMS luma difference of positions ``a`` and ``b`` after the best global shift of
        up to ``reach`` × the picture size."""
        return self._shifted_diff(a, b, reach)[0]

    def _shifted_diff(self, a: int, b: int, reach: float) -> tuple[float, float]:
        """(RMS difference after the best shift, RMS difference unshifted) of the centres."""
        cv2, np = self._cv2, self._np
        pa, pb = self._small[a % self._ring], self._small[b % self._ring]
        h, w = pa.shape
        rx, ry = max(1, round(reach * w)), max(1, round(reach * h))
        if h <= 2 * ry + 2 or w <= 2 * rx + 2:
            plain = float(np.sqrt(np.mean((pa - pb) ** 2)))
            return plain, plain
        tmpl = np.ascontiguousarray(pb[ry : h - ry, rx : w - rx])
        ssd = cv2.matchTemplate(pa, tmpl, cv2.TM_SQDIFF)
        best = math.sqrt(max(0.0, float(ssd.min())) / tmpl.size)
        plain = math.sqrt(max(0.0, float(ssd[ry, rx])) / tmpl.size)
        return best, plain

    # -- hard cuts ---------------------------------------------------------------------------
    def _test_cut(self, pos: int, newest: int) -> None:
        """Decide whether frame ``pos`` starts a new shot by a hard cut."""
        if pos == 0:
            return
        d = self._diff[pos % self._ring]
        gate_diff = _CUT_DIFF * _MIN_THRESHOLD * 0.5
        if d < gate_diff:
            return
        lo = max(1, pos - self._wing, newest - self._ring + 1)
        hi = min(newest, pos + self._wing)
        around = [p for p in range(lo, hi + 1) if p != pos]
        near = [self._diff[p % self._ring] for p in (pos - 1, pos + 1) if lo <= p <= hi]
        values = sorted(float(self._diff[p % self._ring]) for p in around)
        wide = values[len(values) // 2] if values else 0.0  # the median (upper for even sizes)
        base = max(max(near, default=0.0), wide, _NOISE_FLOOR)
        ratio = d / base
        # The ratio's excess over 1 is what the sensitivity scales (a ratio of 1 is no peak).
        if ratio - 1.0 < (_CUT_RATIO - 1.0) * _MIN_THRESHOLD:
            return
        across = self._mc_diff(pos - 1, pos)
        if across < _CUT_DIFF * _MIN_THRESHOLD:
            return
        # A flash: the picture comes back within a few frames. Looking both ways catches its
        # first frame (the picture before returns after it) and its last (the picture after
        # was there before it).
        oldest = newest - self._ring + 1
        for k1 in range(self._flash + 1):
            for k2 in range(self._flash + 1 - k1):
                if k1 + k2 == 0 or pos - 1 - k1 < max(0, oldest) or pos + k2 > newest:
                    continue
                if self._mc_diff(pos - 1 - k1, pos + k2) < 0.45 * across:
                    return
        strength = float(min((ratio - 1.0) / (_CUT_RATIO - 1.0), across / _CUT_DIFF))
        sa, sb = self._sigma[(pos - 1) % self._ring], self._sigma[pos % self._ring]
        t = self._time(pos)
        self._cands.append(
            _Candidate(
                frame=self._index(pos),
                kind="cut",
                span=(self._index(pos), self._index(pos)),
                strength=strength,
                from_flat=_is_flat(sa, sb),
                to_flat=_is_flat(sb, sa),
                start=t,
                end=t,
                time=t,
                first_pos=pos - 1,
                last_pos=pos,
            )
        )

    # -- gradual transitions -------------------------------------------------------------------
    def _scan_gradual(self, pos: int) -> None:
        """Windows ending at ``pos`` that look like one steady blend between two pictures."""
        np = self._np
        ring = self._ring
        tk = pos % ring
        oldest = max(0, self._n - ring)
        starts = pos - self._scales_arr
        starts = starts[starts >= oldest]
        best = None
        if starts.size:
            slots = starts % ring
            # Net change over each window, and the path its frame-to-frame changes took.
            disp = np.abs(self._tiny[slots] - self._tiny[tk]).mean(axis=(1, 2))
            path = self._path[tk] - self._path[slots]
            straight = disp / np.maximum(path, 1e-9)
            ok = np.flatnonzero((disp >= _GRAD_DISP * _MIN_THRESHOLD) & (straight >= _STRAIGHT_MIN))
            if ok.size:
                # The largest single step in each window (they all end at ``pos``).
                longest = pos - int(starts[ok].min())
                steps = np.take(self._tdiff, range(pos, pos - longest, -1), mode="wrap")
                biggest = np.maximum.accumulate(steps)
                for j in ok:
                    length = pos - int(starts[j])
                    d = float(disp[j])
                    # One frame doing a large share of the change: a cut or a flash.
                    if biggest[length - 1] > max(0.35, 1.2 / length) * d:
                        continue
                    st = float(straight[j])
                    score = d * st * st
                    if best is None or score > best[0]:
                        best = (score, int(starts[j]), pos, d, st)
        if best is not None:
            if not self._cluster:
                self._cluster_first = best[1]
            self._cluster.append(best)
            self._cluster_first = min(self._cluster_first, best[1])
            self._cluster_last = pos
        if self._cluster and (
            pos - self._cluster_last > 2 or pos - self._cluster_first >= self._max_len
        ):
            self._close_cluster()
        self._evaluate_pending(pos)

    def _close_cluster(self) -> None:
        """End a run of gradual windows; it is judged once the frames after it are in."""
        if not self._cluster:
            return
        windows, self._cluster = self._cluster, []
        ready = max(b + (5 * (b - a) + 2) // 3 + 1 for _, a, b, _, _ in windows)
        self._pending.append((ready, windows))

    def _evaluate_pending(self, pos: int | None) -> None:
        """Judge the runs whose surroundings have been seen (all of them when ``pos`` is None)."""
        while self._pending and (pos is None or self._pending[0][0] <= pos):
            _, windows = self._pending.pop(0)
            self._evaluate_windows(windows)

    def _evaluate_windows(self, windows: list[tuple[float, int, int, float, float]]) -> None:
        """Turn a run of gradual windows into candidates: the best window, then the best one
        not overlapping it, and so on (a fade-in right after a fade-out is its own window)."""
        taken: list[tuple[int, int]] = []
        oldest = self._n - self._ring
        tries = 0
        for _, a, b, disp, straight in sorted(windows, reverse=True):
            if a < oldest:
                continue
            if any(min(b, y) - max(a, x) > min(b - a, y - x) / 3 for x, y in taken):
                continue
            tries += 1
            if tries > 12:  # bounded work per run of windows
                break
            cand = self._fit_blend(a, b, disp, straight)
            if cand is not None:
                taken.append((a, b))
                self._cands.append(cand)

    def _contrast(self, a: int, b: int, disp: float) -> float:
        """How much more the picture changes over ``a``…``b`` than over as many frames just
        before or just after it (the calmer side; on each side the most it changes over a
        few such windows): a transition is an event, a moving scene changes all the time."""
        cv2 = self._cv2
        length = b - a
        oldest, newest = max(0, self._n - self._ring), self._n - 1
        sides = []
        for sign, edge in ((-1, a), (1, b)):
            most = None
            for shift in (0, length // 3, 2 * length // 3):
                near = edge + sign * shift
                far = near + sign * length
                lo, hi = (far, near) if sign < 0 else (near, far)
                lo, hi = max(lo, oldest), min(hi, newest)
                if hi - lo < max(1, length // 2):
                    continue
                pl, ph = self._tiny[lo % self._ring], self._tiny[hi % self._ring]
                d = cv2.norm(ph, pl, cv2.NORM_L1) / ph.size
                most = d if most is None else max(most, d)
            if most is not None:
                sides.append(most)
        if not sides:
            return math.inf
        return disp / max(min(sides), _NOISE_FLOOR)

    def _blend_profile(self, a: int, b: int) -> tuple[list[float], list[float]] | None:
        """Per frame of ``a`` … ``b``: its blend weight α between the end pictures and how far
        it lies from that blend (relative to their difference). None if the ends are equal.

        Fitted on the 64-px picture: at 32 px a smooth motion is nearly a blend too.
        """
        np = self._np
        ring = self._ring
        x = self._small[a % ring].ravel()
        dvec = self._small[b % ring].ravel() - x
        denom = float(dvec @ dvec)
        if denom <= 0:
            return None
        frames = np.take(self._small, range(a, b + 1), axis=0, mode="wrap")
        rel = frames.reshape(len(frames), -1) - x
        alphas = rel @ dvec / denom
        err = rel - alphas[:, None] * dvec
        resid = np.sqrt(np.einsum("ij,ij->i", err, err) / denom)
        return alphas.tolist(), resid.tolist()

    def _fit_blend(self, a: int, b: int, disp: float, straight: float) -> _Candidate | None:
        """Check frames ``a`` … ``b`` against a blend of the two end pictures; the candidate
        it makes (a fade or a dissolve, with its span), or None."""
        np = self._np
        ring = self._ring
        profile = self._blend_profile(a, b)
        if profile is None:
            return None
        alphas, resid = profile
        # α rises: no frame falls back by more than noise.
        alphas_a = np.asarray(alphas)
        if np.max(np.maximum.accumulate(alphas_a) - alphas_a) > 0.2:
            return None
        # A blend never has more contrast than the more contrasted of its two pictures.
        sigmas = [self._sigma[p % ring] for p in range(a, b + 1)]
        sx, sy = sigmas[0], sigmas[-1]
        if max(sigmas[1:-1], default=0.0) > 1.15 * max(sx, sy) + 2.0:
            return None
        inner = [r for al, r in zip(alphas, resid, strict=True) if 0.15 <= al <= 0.85]
        misfit = float(np.median(inner)) if inner else 0.0

        from_flat, to_flat = _is_flat(sx, sy), _is_flat(sy, sx)
        direction: Direction | None = None
        quality = 1.0
        if from_flat or to_flat:
            kind: Kind = "fade"
            if from_flat and to_flat:
                direction = "in" if self._mean[a % ring] < self._mean[b % ring] else "out"
            else:
                direction = "in" if from_flat else "out"
            # The picture fading in or out may move meanwhile (it only scales the blend):
            # allow more misfit when the contrast grows or dies away steadily.
            steady = _monotonic(sigmas if direction == "in" else sigmas[::-1], max(sx, sy))
            if misfit > (_RESIDUAL_MAX_FADE if steady else _RESIDUAL_MAX):
                return None
        else:
            kind = "dissolve"
            if misfit > _RESIDUAL_MAX:
                return None
            xs, ys = self._small[a % ring], self._small[b % ring]
            if _ncc(np, xs, ys) > _SAME_SCENE_NCC:  # same scene: focus pull, light change
                return None
            # Camera motion: a shift of the first picture explains most of the last one.
            moved, plain = self._shifted_diff(a, b, 0.2)
            if moved < _MOTION_EXPLAINED * plain:
                return None
            # A scene that changes as much all the time (moving light, a crowd) is no dissolve.
            contrast = self._contrast(a, b, disp)
            if contrast < _DISSOLVE_CONTRAST:
                return None
            # Just above the floor is weak evidence: it lowers the strength, not a verdict.
            quality = min(1.0, (contrast - 1.0) / 0.3)

        # The span: where the blend has left the first picture / not reached the last one by
        # more than noise (about one luma step of the tiny picture).
        eps = max(0.012, 1.2 / max(disp, 1e-6))
        first = next((i for i, al in enumerate(alphas) if al > eps), 0)
        last = max((i for i, al in enumerate(alphas) if al < 1 - eps), default=len(alphas) - 1)
        first, last = a + max(first, 1), a + min(max(last, first), len(alphas) - 2)
        if last < first:
            return None
        if kind == "fade" and direction == "in":
            frame_pos = first  # the first frame showing the new shot
        elif kind == "fade":
            frame_pos = last + 1  # the first frame of black
        else:  # the first frame where the new shot weighs at least half
            frame_pos = next(
                (a + i for i, al in enumerate(alphas) if al >= 0.5 and a + i >= first), last
            )
        quality *= min(1.0, straight / 0.8) * max(0.0, 1.0 - misfit / (2 * _RESIDUAL_MAX_FADE))
        return _Candidate(
            frame=self._index(frame_pos),
            kind=kind,
            span=(self._index(first), self._index(last)),
            strength=float(disp / _GRAD_DISP * quality),
            direction=direction,
            from_flat=from_flat and direction == "in",
            to_flat=to_flat and direction == "out",
            start=self._time(first),
            end=self._end_time(last),
            time=self._time(frame_pos),
            first_pos=a,
            last_pos=b,
        )

    # -- counting rules and thresholds -----------------------------------------------------------
    def _settle(self, final: bool) -> None:
        """Apply the counting rules and the threshold to the candidates no later one can
        touch any more (all of them when ``final``), moving them to the results.

        Candidates come from frames still in the ring, and merging looks at most half a
        second of black back: what ended before that is settled. So memory holds the
        results and a ring's worth of candidates, whatever the clip's length.
        """
        if final:
            ready, self._cands = self._cands, []
        else:
            # Settle a prefix that ends well before the oldest frame in the ring and well
            # before the next candidate (overlaps and dips join neighbours).
            margin = 2 * round(float(FLAT_SHOT_MAX) * self._fps) + 2
            limit = self._n - self._ring - margin
            cands = sorted(self._cands, key=lambda c: c.first_pos)
            cut, reach = 0, -1
            for i, c in enumerate(cands):
                if c.last_pos >= limit:
                    break
                reach = max(reach, c.last_pos)
                if i + 1 == len(cands) or cands[i + 1].first_pos > reach + margin:
                    cut = i + 1
            if not cut:
                return
            ready, self._cands = cands[:cut], cands[cut:]
        cands = _merge_dips(_resolve_overlaps(sorted(ready, key=lambda c: c.span[0])))
        if cands and not self._settled_any:
            # Under half a second of black before the first boundary is not a shot.
            first = cands[0]
            if (
                first.from_flat
                and first.start is not None
                and first.start - self._first_time < _FLAT_SHOT
            ):
                cands = cands[1:]
        if cands and final:
            # … nor after the last one.
            last = cands[-1]
            if (
                last.to_flat
                and last.end is not None
                and self._end_time(self._n - 1) - last.end < _FLAT_SHOT
            ):
                cands = cands[:-1]
        self._settled_any = self._settled_any or bool(cands)
        for c in cands:
            if c.strength < self.threshold:
                continue
            assert c.time is not None
            self._out.append(
                ShotBoundary(
                    frame=c.frame,
                    time=c.time,
                    kind=c.kind,
                    span=c.span,
                    confidence=round(float(confidence_of(c.strength)), 4),
                    direction=c.direction,
                    start=c.start,
                    end=c.end,
                )
            )


def _is_flat(sigma: float, other: float) -> bool:
    """Is a picture with contrast ``sigma`` flat (black, a colour) beside one with ``other``?"""
    return sigma <= max(_FLAT_SIGMA, _FLAT_RATIO * other)


def _monotonic(values: Sequence[float], scale: float) -> bool:
    """Do ``values`` rise steadily (never falling back by more than 10 % of ``scale``)?"""
    peak = -math.inf
    for v in values:
        if v < peak - 0.1 * scale - 0.5:
            return False
        peak = max(peak, v)
    return True


def _ncc(np: Any, a: np.ndarray, b: np.ndarray) -> float:
    """Normalised correlation of two pictures (1: same structure)."""
    av = a.ravel() - a.mean()
    bv = b.ravel() - b.mean()
    den = math.sqrt(float(av @ av) * float(bv @ bv))
    return float(av @ bv) / den if den > 0 else 0.0


def _resolve_overlaps(cands: list[_Candidate]) -> list[_Candidate]:
    """Where candidates overlap, keep the strongest (a cut inside a fade, a double window)."""
    out: list[_Candidate] = []
    for c in cands:
        if out and c.span[0] <= out[-1].span[1] + 1 and _overlap(out[-1], c):
            if c.strength > out[-1].strength:
                out[-1] = c
            continue
        out.append(c)
    return out


def _overlap(a: _Candidate, b: _Candidate) -> bool:
    lo_a, hi_a = a.span[0], max(a.span[1], a.frame)
    lo_b, hi_b = b.span[0], max(b.span[1], b.frame)
    return lo_b <= hi_a and lo_a <= hi_b


def _merge_dips(cands: list[_Candidate]) -> list[_Candidate]:
    """A flat stretch shorter than :data:`FLAT_SHOT_MAX` between two boundaries is no shot."""
    out: list[_Candidate] = []
    for c in cands:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.to_flat
            and not c.to_flat
            and prev.end is not None
            and c.start is not None
            and c.start - prev.end < _FLAT_SHOT
        ):
            out[-1] = _merge(prev, c)
            continue
        out.append(c)
    return out


def _merge(a: _Candidate, b: _Candidate) -> _Candidate:
    """One boundary from ``a`` (into black) and ``b`` (out of it).

    Two cuts around a few black frames stay a cut (at the second one: the new shot);
    anything with a fade becomes a fade spanning both, ``out_in`` when both fade.
    """
    if a.kind != "fade" and b.kind != "fade":
        return replace(
            b, strength=max(a.strength, b.strength), from_flat=a.from_flat, first_pos=a.first_pos
        )
    direction: Direction
    if a.kind == "fade" and b.kind == "fade":
        direction = "out_in"
    elif a.kind == "fade":
        direction = "out"
    else:
        direction = "in"
    return replace(
        b,
        kind="fade",
        direction=direction,
        span=(a.span[0], max(b.span[1], b.frame - 1)),
        strength=max(a.strength, b.strength),
        from_flat=a.from_flat,
        start=a.start,
        first_pos=a.first_pos,
    )


# -- conveniences ------------------------------------------------------------------------------


def detect_shots(
    path: str | os.PathLike[str],
    sensitivity: float = 0.5,
    ctx: JobContext | None = None,
    report: PassReport | None = None,
) -> list[ShotBoundary]:
    """Shot boundaries of ``path`` (one decode pass with just this analyser).

    A truncated file is analysed as far as it decodes; ``report`` (when given) says where
    the pass stopped. Raises :class:`~vidi_desktop.core.errors.MissingStreamError` for a
    file without video, another :class:`~vidi_desktop.core.errors.MediaError` for a file
    that cannot be read at all, :class:`~vidi_desktop.core.errors.CancelledError` when
    ``ctx.cancel`` is set.
    """
    from vidi_desktop.analysis.pipeline import run_visual_pass
    from vidi_desktop.core.errors import CorruptMediaError, MissingStreamError
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.media.decode import PassReport, iter_decoded
    from vidi_desktop.media.probe import probe

    detector = ShotDetector(sensitivity)
    ctx = ctx or JobContext()
    report = report if report is not None else PassReport()
    try:
        info = probe(path)
    except CorruptMediaError:
        # Probing refuses a cut-off file; the decode pass salvages what it holds (and
        # raises again if nothing can be read).
        detector.begin(None)
        for i, frame in enumerate(
            iter_decoded(path, cancel=ctx.cancel, allow_truncated=True, report=report)
        ):
            detector.feed(frame)
            if i % 16 == 0:
                ctx.progress(None, f"frame {frame.index}")
        return detector.finish()
    if info.video is None:
        raise MissingStreamError(f"{path}: no video stream to find shots in")
    results, pass_report = run_visual_pass(path, info, [detector], ctx)
    for name in ("frames", "expected", "stopped_at", "reason"):
        setattr(report, name, getattr(pass_report, name))
    return list(results.get(detector.name, []))


def shot_suggestions(
    asset_id: str, boundaries: Sequence[ShotBoundary], source: str = "builtin.shots"
) -> list[Suggestion]:
    """Scene-boundary suggestions for an asset, one per boundary."""
    out = []
    for b in boundaries:
        transition = b.transition
        if b.kind == "cut" or b.start is None or b.end is None:
            payload = SceneBoundary(b.time, transition, None)
        else:
            payload = SceneBoundary(b.start, transition, b.end - b.start)
        # Named by where the boundary starts, as the review list and every export place it
        # (a gradual one's new shot begins later, at ``b.time``).
        seconds = float(payload.time.seconds)
        label = f"{transition.replace('_', ' ')} at {seconds:.2f}s"
        if b.kind != "cut" and b.start is not None and b.end is not None:
            label += f" ({float((b.end - b.start).seconds):.2f}s)"
        out.append(
            Suggestion.new(
                asset_id,
                payload,
                source,
                confidence=b.confidence,
                label=label,
                metadata={
                    "frame": b.frame,
                    "span": [b.span[0], b.span[1]],
                    "kind": b.kind,
                    "transition": transition,
                    **({"direction": b.direction} if b.direction else {}),
                },
            )
        )
    return out
