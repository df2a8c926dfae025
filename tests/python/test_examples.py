"""examples/python/quickstart.py runs and prints what it claims."""

import os
import subprocess
import sys

import roro
from conftest import REPO


def test_quickstart_runs(tmp_path):
    script = os.path.join(REPO, "examples", "python", "quickstart.py")
    out = subprocess.run([sys.executable, script, str(tmp_path)], check=True, capture_output=True, text=True,
                         timeout=300).stdout
    lines = out.splitlines()
    assert lines[0].startswith("<roro.Network 8x16 modules (N = 128)")
    assert lines[1].startswith("verdict certified, rate ")
    assert "verify: certified" in lines and "my weights: certified" in lines
    assert "trajectory (50, 4, 128)" in out and "training completed: 2 epoch(s), 32 step(s)" in out
    assert "post-training certification: certified" in out and "test accuracy " in lines[-1]
    # It wrote what it says, and the files are the library's.
    assert roro.load(tmp_path / "net.json") == roro.build(modules="8x16", topology="gw", hubs=1, alpha=0.05, inputs=8,
                                                          classes=8, seed=3)
    assert roro.verify(tmp_path / "net.json", tmp_path / "cert.json")
    assert roro.verify(tmp_path / "run" / "model.json", tmp_path / "run" / "certificate.json")
