"""A non-editable install works: the wheel carries the templates, static files and migrations, and
the app built from it migrates a new database and serves its pages with no checkout around it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from screening import ROOT

pytestmark = pytest.mark.server  # builds a wheel and starts Python processes: not in test-fast

# Run from a directory outside the checkout, with only the installed wheel on the path.
PROBE = """
import json, sqlite3, sys
import screening
from screening import create_app
app = create_app("development")
client = app.test_client()
start = client.get("/")
spanish = client.get("/?lang=es")
css = client.get("/static/app.css")
database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
with sqlite3.connect(database) as connection:
    version = connection.execute("select version_num from alembic_version").fetchone()[0]
print(json.dumps({
    "package": screening.__file__,
    "templates": app.template_folder,
    "start": [start.status_code, start.get_data(as_text=True)],
    "spanish": [spanish.status_code, spanish.get_data(as_text=True)],
    "css": css.status_code,
    "version": version,
}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built and unpacked into a folder of its own."""
    # From a copy of the sources: building in the checkout would reuse its build/ folder, which
    # may hold files an earlier build put there.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.py", "README.md", "config.py"):
        shutil.copy2(ROOT / name, source / name)
    # No compiled catalogue from the checkout: the build compiles its own (setup.py).
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in ("screening", "templates", "migrations", "translations"):
        shutil.copytree(ROOT / name, source / name, ignore=skip)
    wheels = tmp_path_factory.mktemp("wheels")
    target = tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        cwd=wheels,
    )
    (wheel,) = wheels.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "screening/templates/base.html",
        "screening/templates/patient/step.html",
        "screening/templates/summary/_answers.html",
        "screening/static/app.css",
        "screening/migrations/env.py",
        "screening/migrations/alembic.ini",
        "screening/migrations/script.py.mako",
        "screening/migrations/versions/0001_initial_schema.py",
        "screening/translations/es/LC_MESSAGES/messages.mo",
        "config.py",
    ):
        assert shipped in names, shipped
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    return target


def _run(args: list[str], site: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(site),
        "APP_ENV": "development",
        "FLASK_APP": "screening",
        "INSTANCE_PATH": str(workdir / "instance"),
        "DATABASE_URL": f"sqlite:///{workdir / 'screening.db'}",
        "HOME": str(workdir),
    }
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=workdir, capture_output=True, text=True, timeout=120
    )


def test_the_installed_wheel_migrates_and_serves_pages_without_the_checkout(installed, tmp_path):
    upgrade = _run(["-m", "flask", "db", "upgrade"], installed, tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr

    probe = _run(["-c", PROBE], installed, tmp_path)
    assert probe.returncode == 0, probe.stderr

    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    # The package and its templates come from the installed folder, not from this checkout.
    assert seen["package"].startswith(str(installed))
    assert seen["templates"] == str(installed / "screening" / "templates")
    status, page = seen["start"]
    assert status == 200
    assert "Start now" in page
    # The Spanish catalogue, compiled into the wheel by its build.
    status, page = seen["spanish"]
    assert status == 200
    assert '<html lang="es">' in page and "Empezar ahora" in page
    assert seen["css"] == 200
    # The newest revision in the checkout's migrations/versions (files are named by revision).
    newest = max(path.name.split("_")[0] for path in (ROOT / "migrations/versions").glob("0*.py"))
    assert seen["version"] == newest
