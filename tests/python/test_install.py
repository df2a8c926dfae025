"""`cmake --install` puts a working package into the interpreter's site-packages layout below the
prefix."""

import os
import re
import shutil
import subprocess
import sys
import sysconfig

import pytest

from conftest import BUILD


def install_dir():
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        match = re.search(r"^RORO_PYTHON_INSTALL_DIR:STRING=(.*)$", f.read(), re.M)
    assert match, "RORO_PYTHON_INSTALL_DIR is not in the build's CMakeCache.txt"
    return match.group(1)


def test_install_dir_is_where_this_python_looks():
    relative = install_dir()
    assert not os.path.isabs(relative) and relative.startswith("lib/python")
    # Installed under the interpreter's default prefix, it lands on its sys.path (on Debian the
    # local scheme: /usr/local/lib/python3.X/dist-packages).
    scheme_path = sysconfig.get_path("platlib")
    assert scheme_path.endswith(relative), (scheme_path, relative)
    assert scheme_path in sys.path


@pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake is not on PATH")
def test_cmake_install_gives_an_importable_package(tmp_path):
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", BUILD, "--component", "python", "--prefix", str(prefix)], check=True,
                   capture_output=True, text=True)
    site = prefix / install_dir()
    assert (site / "roro" / "__init__.py").is_file()
    assert any(name.startswith("_roro.") and name.endswith(".so") for name in os.listdir(site / "roro"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(site)}
    script = "import roro; n = roro.build('3x4', seed=1); print(roro.__file__); print(roro.certify(n).verdict)"
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=True, capture_output=True,
                         text=True).stdout.split()
    assert out[0] == str(site / "roro" / "__init__.py") and out[1] == "certified"
