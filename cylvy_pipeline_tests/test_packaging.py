"""`pip install .` into a clean virtual environment gives a working `cylvy-pipeline run` from any folder:
every runtime dependency is declared in pyproject.toml, what the code reads at run time ships as package
data, and the state folder is the user's state directory, never site-packages or the current folder.

Slow-ish: the install takes about 35 s on this machine with pip's cache warm (the lock file as constraints
pins the same versions the suite uses, so the cache has every wheel), the run about 15 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[1]


def _clean_environment(home: Path) -> dict[str, str]:
    """This machine's environment without anything that points at the checkout or the test session's
    state: no CYLVY_* variable, no PYTHONPATH, no DAGSTER_HOME; a HOME of its own."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith("CYLVY_") and k not in ("PYTHONPATH", "DAGSTER_HOME", "XDG_STATE_HOME")
    }
    return {**env, "HOME": str(home), "CYLVY_SAMPLE_KEYWORDS": "12"}


def test_a_clean_install_runs_a_market_from_outside_the_checkout(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # The lock file as constraints pins versions but installs nothing pyproject.toml does not ask for, so a
    # dependency missing from pyproject.toml is missing here too. --no-compile: byte-compiling every
    # dependency would double the install time; the run compiles what it imports.
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
         "-c", str(REPOSITORY / "requirements.lock"), str(REPOSITORY)],
        capture_output=True, text=True, timeout=900,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    env = _clean_environment(home)
    cli = str(venv / "bin" / "cylvy-pipeline")
    try:
        where = subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import cylvy_pipeline; print(cylvy_pipeline.__file__)"],
            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60, check=True,
        )
        assert where.stdout.strip().startswith(str(venv)), "the package must come from the clean environment"

        run = subprocess.run(
            [cli, "run", "--market", "US"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600
        )
        output = run.stdout + run.stderr
        assert run.returncode == 0, output
        assert "== US: execution" in output and "Summary: 8 completed" in output, output

        state = home / ".local" / "state" / "cylvy-pipeline"
        assert (state / "pgdata" / "PG_VERSION").is_file(), "the embedded server's data is in the user's state folder"
        # The instance configuration came from the installed package (package data), not from the checkout.
        assert (state / "dagster_home" / "dagster.yaml").read_bytes() == (
            REPOSITORY / "cylvy_pipeline" / "dagster.yaml"
        ).read_bytes()
        assert list(elsewhere.iterdir()) == [], "nothing is written into the folder the command ran in"
        assert not list(venv.rglob(".cylvy")), "nothing is written into site-packages"
    finally:
        subprocess.run([cli, "db", "stop"], cwd=elsewhere, env=env, capture_output=True, timeout=120)
