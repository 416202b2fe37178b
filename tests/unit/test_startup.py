"""What a web process loads when it starts (`gunicorn wsgi:app`)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_web_process_starts_without_scikit_learn_or_pandas(tmp_path):
    """scikit-learn, with the SciPy statistics and pandas it brings, takes about 2 s and 75 MB to
    load: only a process that vectorizes text or learns (a worker running matching) loads it."""
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    env.update(JOBS_SQLITE_PATH=str(tmp_path / "jobs.db"), DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
               PYTHONPATH=str(ROOT))
    listed = subprocess.run(
        [sys.executable, "-c", "import sys, wsgi; print(*sorted({name.split('.')[0] for name in sys.modules}))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    loaded = set(listed.stdout.split())
    assert {"flask", "sqlalchemy", "matching", "mentormatch"} <= loaded
    assert loaded.isdisjoint({"sklearn", "pandas"})
