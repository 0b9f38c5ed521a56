"""Freeing an ONNX model's declared input sizes: ONNX Runtime then runs CenterFace's file,
which declares 10×3×32×32, at any multiple of 32, with its weights constant."""

from __future__ import annotations

import numpy as np
import pytest

from vidi_desktop.analysis.faces import CENTERFACE_FILE, model_path
from vidi_desktop.analysis.onnx_shapes import free_dimensions


@pytest.fixture(scope="module")
def session():  # type: ignore[no-untyped-def]
    import onnxruntime

    opts = onnxruntime.SessionOptions()
    opts.log_severity_level = 3
    freed = free_dimensions(model_path(CENTERFACE_FILE).read_bytes())
    return onnxruntime.InferenceSession(freed, opts, providers=["CPUExecutionProvider"])


def test_the_only_input_is_the_picture_with_free_sizes(session) -> None:  # type: ignore[no-untyped-def]
    (picture,) = session.get_inputs()  # the weights listed as inputs by the exporter are not
    assert picture.name == "input.1"
    assert all(isinstance(d, str) for d in picture.shape)
    assert [o.name for o in session.get_outputs()] == ["537", "538", "539", "540"]


@pytest.mark.parametrize("size", [(288, 512), (96, 160)])
def test_any_multiple_of_32_runs_with_the_opencv_outputs(session, size) -> None:  # type: ignore[no-untyped-def]
    import cv2

    h, w = size
    blob = np.random.default_rng(1).random((1, 3, h, w)).astype(np.float32) * 255
    got = session.run(["537", "538", "539", "540"], {"input.1": blob})
    net = cv2.dnn.readNetFromONNX(str(model_path(CENTERFACE_FILE)))
    net.setInput(blob)
    want = net.forward(["537", "538", "539", "540"])
    for g, x in zip(got, want, strict=True):
        assert g.shape == x.shape == (1, g.shape[1], h // 4, w // 4)
        assert np.allclose(g, x, atol=1e-4)


@pytest.mark.parametrize(
    "data", [b"", b"not a model at all", model_path(CENTERFACE_FILE).read_bytes()[:5000]]
)
def test_bytes_that_are_not_a_whole_model_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="not an ONNX model"):
        free_dimensions(data)
