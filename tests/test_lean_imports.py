"""The default path runs without torch: checked in a fresh interpreter, after real work.

torch is installed in the dev environment (the ``vlm`` extra), so a test that only looked for
the package would prove nothing; these run routing and a speech analysis and then look at
``sys.modules``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "torchvision", "bitsandbytes", "accelerate", "silero_vad")


def run_fresh(code: str, tmp_path: Path) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON object on its last line."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    env["VIDI_DESKTOP_CACHE_DIR"] = str(tmp_path / "cache")
    env["VIDI_DESKTOP_DATA_DIR"] = str(tmp_path / "data")
    env.pop("VIDI_DESKTOP_SPEECH_ENGINE", None)
    env.pop("VIDI_DESKTOP_ROUTER", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_routing_a_typed_request_imports_no_torch(tmp_path: Path) -> None:
    out = run_fresh(
        f"""
import json, sys
from vidi_desktop.models.builtin.backend import BuiltinBackend
from vidi_desktop.core.progress import no_progress
import threading
b = BuiltinBackend()
b.load_router(no_progress, threading.Event())
routed = b.route("could you cut out the bits where nobody is talking")
print(json.dumps({{"intent": routed.intent, "engine": type(b.embedder).__name__,
                  "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
""",
        tmp_path,
    )
    assert out == {"intent": "silences", "engine": "Embedder", "heavy": []}


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_a_speech_and_subtitle_analysis_imports_no_torch(tmp_path: Path) -> None:
    out = run_fresh(
        f"""
import json, sys
import numpy as np
from vidi_desktop.media.synth import speak, write_clip
from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.analysis.run import analyze_file
from vidi_desktop.core.progress import JobContext
voice = speak("Please remove the silences from this interview", "en-us", 150)
track = np.concatenate([np.zeros(16000, np.float32), voice, np.zeros(16000, np.float32)])
def audio(t):
    return np.interp(t, np.arange(len(track)) / 16000, track)
frames = int(len(track) / 16000 * 25)
clip = write_clip({str(tmp_path / "talk.mp4")!r}, frames=frames, size=(64, 48), audio=audio)
result = analyze_file(clip, AnalyzeOptions(speech=True, subtitles=True), JobContext())
print(json.dumps({{"speech": len(result.speech or []), "words": len(result.transcript.words),
                  "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
""",
        tmp_path,
    )
    assert out["speech"] >= 1 and out["words"] >= 4
    assert out["heavy"] == []


def test_the_vlm_backend_names_its_extra_when_torch_is_missing(tmp_path: Path) -> None:
    """torch made unimportable (as in the plain install): loading qwen-vl fails with one line
    that says what to install."""
    out = run_fresh(
        f"""
import json, sys, threading
sys.modules["torch"] = None  # import torch now raises ImportError, as without the package
from vidi_desktop.core.progress import no_progress
from vidi_desktop.models.protocol import BackendError
from vidi_desktop.models.registry import create_backend
backend = create_backend("qwen-vl", {{"model_path": {str(tmp_path)!r}}})
try:
    backend.load(no_progress, threading.Event())
    print(json.dumps({{"error": None}}))
except BackendError as exc:
    print(json.dumps({{"error": str(exc)}}))
""",
        tmp_path,
    )
    assert out["error"] is not None
    assert "pip install 'vidi-desktop[vlm]'" in out["error"]
    assert "\n" not in out["error"]
