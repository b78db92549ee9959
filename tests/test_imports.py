"""What importing costs: the pure modules need no Flask, and plain commands no WeasyPrint."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "screening"
HEAVY = ("flask", "sqlalchemy", "weasyprint", "flask_babel", "werkzeug")


def _run(code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=PACKAGE.parent,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_engine_runs_with_nothing_of_the_web_app_loaded():
    result = _run(
        "import datetime as dt, json, sys\n"
        "from screening.engine import evaluate\n"
        "answers = json.load(open('docs/example-answers.json'))\n"
        "e = evaluate(answers, 'documents', on=dt.date(2026, 11, 22))\n"
        f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(json.dumps({'loaded': loaded, 'overall': e.overall,"
        " 'first': e.criteria[0].answer}))"
    )
    assert result == {"loaded": [], "overall": "consistent", "first": "18 months"}


def test_creating_the_app_and_evaluating_from_the_command_line_loads_no_weasyprint(tmp_path):
    result = _run(
        "import json, sys\n"
        "from screening import create_app\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'INSTANCE_PATH': {str(tmp_path)!r}}})\n"
        "out = app.test_cli_runner().invoke(args=['evaluate', 'docs/example-answers.json'])\n"
        "print(json.dumps({'exit': out.exit_code, 'weasyprint': 'weasyprint' in sys.modules}))"
    )
    assert result == {"exit": 0, "weasyprint": False}


def _imports(module: str) -> set[str]:
    """The screening modules a module imports at its top level."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_the_command_modules_import_no_each_other_in_a_circle():
    commands = {"cli", "cli_input", "pdf_cli", "clinician_cli"}
    graph = {m: _imports(m) & commands for m in commands}
    # cli gathers the commands; the others share cli_input and import no command module.
    assert graph["cli_input"] == set()
    assert graph["pdf_cli"] <= {"cli_input"}
    assert graph["clinician_cli"] <= {"cli_input"}
    assert "cli" not in set().union(*graph.values())
