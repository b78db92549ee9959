"""The evaluate and questions commands, and their bad-input rules (exit 2, one line)."""

from __future__ import annotations

import json

import pytest
from support import FULL, full

from screening import questionnaire


@pytest.fixture
def runner(app):
    """A CLI runner for the app."""
    return app.test_cli_runner()


def write(tmp_path, payload, name="answers.json"):
    """Write a JSON answers file and return its path."""
    path = tmp_path / name
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return str(path)


def test_evaluate_prints_the_evaluation_as_json(runner, tmp_path):
    result = runner.invoke(args=["evaluate", write(tmp_path, FULL)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["profile"] == "documents"
    assert data["overall"] == "consistent"
    assert {c["id"] for c in data["criteria"]} >= {"chronic_pain", "diagnostic_injection"}
    first = data["criteria"][0]
    assert set(first) >= {"id", "status", "core", "answer", "requirement", "source"}
    assert data["flags"] == [] and data["red_flags"] == []


def test_evaluate_published_profile(runner, tmp_path):
    path = write(tmp_path, full(pain_duration_months=5))
    result = runner.invoke(args=["evaluate", path, "--profile", "published"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["profile"] == "published"
    assert data["overall"] == "not_consistent"
    statuses = {c["id"]: c["status"] for c in data["criteria"]}
    assert statuses["chronic_pain"] == "not_met"


def test_evaluate_reads_standard_input(runner):
    result = runner.invoke(
        args=["evaluate", "-"], input=json.dumps(full(red_flags=["cancer_history"]))
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["overall"] == "urgent"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (full(shoe_size=42), "shoe_size"),
        (full(pain_duration_months=601), "pain_duration_months"),
        (full(pain_duration_months="18"), "pain_duration_months"),
        (full(pain_locations="buttock"), "pain_locations"),
        (full(pain_average=None), "pain_average"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_evaluate_bad_input_exits_2_with_one_line(runner, tmp_path, payload, expected):
    result = runner.invoke(args=["evaluate", write(tmp_path, payload)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_evaluate_missing_file_exits_2(runner, tmp_path):
    result = runner.invoke(args=["evaluate", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_evaluate_unknown_profile_exits_2(runner, tmp_path):
    result = runner.invoke(args=["evaluate", write(tmp_path, FULL), "--profile", "lenient"])
    assert result.exit_code == 2


def test_questions_json_is_the_data_dictionary(runner):
    result = runner.invoke(args=["questions"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["version"] == questionnaire.QUESTIONNAIRE_VERSION
    assert [r["key"] for r in data["questions"]] == [x.key for x in questionnaire.QUESTIONS]


def test_questions_markdown_lists_every_key(runner):
    result = runner.invoke(args=["questions", "--format", "markdown"])
    assert result.exit_code == 0
    for question in questionnaire.QUESTIONS:
        assert f"`{question.key}`" in result.stdout


def test_generated_data_dictionary_in_docs_is_up_to_date(runner):
    from screening import ROOT

    result = runner.invoke(args=["questions", "--format", "markdown"])
    committed = (ROOT / "docs" / "data-dictionary.md").read_text()
    assert committed == result.stdout, "run `make docs` to regenerate docs/data-dictionary.md"


def test_generated_criteria_doc_is_up_to_date(runner):
    from screening import ROOT

    result = runner.invoke(args=["criteria"])
    assert result.exit_code == 0
    assert "`diagnostic_injection`" in result.stdout
    assert "at least 75%" in result.stdout
    committed = (ROOT / "docs" / "criteria.md").read_text()
    assert committed == result.stdout, "run `make docs` to regenerate docs/criteria.md"


@pytest.mark.parametrize(
    "payload",
    [
        '{"pain_duration_months": ' + "9" * 5000 + "}",  # int() refuses so many digits
        "[" * 100000 + "]" * 100000,  # nesting deeper than the parser's recursion limit
    ],
)
def test_evaluate_pathological_json_exits_2_without_traceback(runner, tmp_path, payload):
    result = runner.invoke(args=["evaluate", write(tmp_path, payload)])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
