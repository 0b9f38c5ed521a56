"""The shipped Vidi runner, for the stand-in checkout of test_vidi_runner on a machine
without a GPU: everything is the real ``runner_script.py`` except its CUDA/flash-attn check,
answered "present", and the device, the CPU (the stand-in needs neither a GPU nor
flash-attn). The check itself is tested with the real script, which refuses here."""

import importlib.util
import os
import sys

SCRIPT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
    "vidi_desktop", "models", "vidi", "runner_script.py",
)

spec = importlib.util.spec_from_file_location("runner_script", os.path.abspath(SCRIPT))
runner = importlib.util.module_from_spec(spec)
spec.loader.exec_module(runner)
runner.missing_requirements = lambda torch, device: None

if __name__ == "__main__":
    status = runner.main([*sys.argv[1:], "--device", "cpu"])
    sys.stderr.flush()
    os._exit(status)  # as the real script ends: the stdin reader thread may still block
