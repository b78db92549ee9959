"""The evaluate and questions commands, and their bad-input rules (exit 2, one line)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from support import FULL, full

from screening import questionnaire


@pytest.fixture
def runner(app):
    """A CLI runner for the app."""
    return app.test_cli_runner()


def months_ago(n: int) -> str:
    """The month n calendar months before this one, as "YYYY-MM" (the commands count months
    to today)."""
    today = dt.date.today()
    index = today.year * 12 + today.month - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


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
    assert {c["id"] for c in data["criteria"]} >= {
        "chronic_pain",
        "pain_affects_daily_life",
        "treatments_tried",
        "diagnostic_injection",
    }
    first = data["criteria"][0]
    assert set(first) >= {"id", "status", "core", "answer", "requirement", "sources", "threshold"}
    assert set(first["threshold"]) >= {"value", "basis"}
    assert data["counts"] == {"total": 4, "met": 4, "not_met": 0, "unknown": 0}
    assert data["flags"] == [] and data["red_flags"] == []


def test_evaluate_published_profile(runner, tmp_path):
    result = runner.invoke(args=["evaluate", write(tmp_path, FULL), "--profile", "published"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["profile"] == "published"
    assert data["overall"] == "consistent"
    assert {c["id"] for c in data["criteria"]} >= {
        "conservative_care",
        "pain_severity",
        "chronic_pain",
        "diagnostic_injection",
        "no_inflammatory_arthritis",
    }

    path = write(tmp_path, full(pain_started=months_ago(5)))
    result = runner.invoke(args=["evaluate", path, "--profile", "published"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["profile"] == "published"
    assert data["overall"] == "not_consistent"
    statuses = {c["id"]: c["status"] for c in data["criteria"]}
    assert statuses["chronic_pain"] == "not_met"


@pytest.mark.parametrize(
    ("months", "documents", "published"),
    [(2, "not_met", "not_met"), (3, "met", "not_met"), (5, "met", "not_met"), (6, "met", "met")],
)
def test_evaluate_counts_the_months_since_the_pain_started_to_today(
    runner, tmp_path, months, documents, published
):
    # The same answers a few months apart: the month the pain started is stored, not months.
    path = write(tmp_path, full(pain_started=months_ago(months)))
    for profile, expected in (("documents", documents), ("published", published)):
        result = runner.invoke(args=["evaluate", path, "--profile", profile])
        assert result.exit_code == 0, result.output
        statuses = {c["id"]: c["status"] for c in json.loads(result.stdout)["criteria"]}
        assert statuses["chronic_pain"] == expected, profile


def test_evaluate_reads_standard_input(runner):
    result = runner.invoke(args=["evaluate", "-"], input=json.dumps(full(rf_cancer="yes")))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["overall"] == "urgent"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (full(shoe_size=42), "shoe_size"),
        (full(pain_duration_months=18), "pain_duration_months"),  # a key of 2026.11
        (full(physical_therapy_tried="yes"), "physical_therapy_tried"),
        (full(pain_started="2025-13"), "pain_started"),
        (full(pain_started=202505), "pain_started"),
        (full(pain_started="9999-01"), "pain_started"),  # in the future
        (full(pain_started=None), "pain_started"),
        (full(treatments_tried="medication"), "treatments_tried"),
        (full(treatments_tried=["none", "si_belt"]), "treatments_tried"),
        (full(si_belt_weeks=None), "si_belt_weeks"),
        (full(treatment_started=None), "treatment_started"),
        (full(manual_therapy_result="no_relief"), "manual_therapy_result"),  # not tried
        (full(diagnostic_injection_count=1), "injection_2_guidance"),  # one injection
        (full(injection_1_relief="80%"), "injection_1_relief"),
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
        '{"pain_average": ' + "9" * 5000 + "}",  # int() refuses so many digits
        "[" * 100000 + "]" * 100000,  # nesting deeper than the parser's recursion limit
    ],
)
def test_evaluate_pathological_json_exits_2_without_traceback(runner, tmp_path, payload):
    result = runner.invoke(args=["evaluate", write(tmp_path, payload)])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


# --- honest refusals: one line on stderr, exit 2, never a traceback or a hang --------------------


def assert_refused(result, *expected: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr naming the problem; return it."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.endswith("\n"), result.stderr
    # splitlines() also splits at \v, \f, \x1c-\x1e, \x85, \u2028 and \u2029.
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    line = result.stderr.rstrip("\n")
    assert line.isprintable(), repr(line)  # no control, bidi, separator or surrogate character
    for text in expected:
        assert text in line, (text, line)
    return line


def both_commands(tmp_path, path):
    """The argument lists of evaluate and summary-pdf on one answers file."""
    return [["evaluate", path], ["summary-pdf", path, str(tmp_path / "out.pdf")]]


@pytest.mark.parametrize("where", ["name", "key", "list"])
def test_a_lone_surrogate_is_refused_with_one_line(runner, tmp_path, where):
    if where == "name":
        text = json.dumps(full(name="Ann\ud800"))  # json.dumps writes it as \ud800
    elif where == "key":
        text = json.dumps({**FULL, "x\udfff": 1})
    else:
        text = json.dumps(full(pain_locations=["buttock", "\ud83d"]))
    path = write(tmp_path, text)
    for args in both_commands(tmp_path, path):
        line = assert_refused(runner.invoke(args=args), "surrogate")
        assert "\\ud800" in line or "\\udfff" in line or "\\ud83d" in line
    assert not (tmp_path / "out.pdf").exists()


def test_a_lone_surrogate_in_the_name_is_refused_on_standard_input(runner):
    result = runner.invoke(args=["evaluate", "-"], input=json.dumps(full(name="\ud800")))
    assert_refused(result, "name", "surrogate", "\\ud800")


def test_a_surrogate_pair_written_as_escapes_is_a_real_character(runner, tmp_path):
    path = write(tmp_path, json.dumps(full(name="Ann \U0001f600")))  # \ud83d\ude00 in the file
    assert "\\ud83d\\ude00" in (tmp_path / "answers.json").read_text()
    result = runner.invoke(args=["summary-pdf", path, str(tmp_path / "out.pdf")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (json.dumps(FULL)[:-1] + ', "pain_average": 9}', "pain_average"),
        ('{"name": "A", "name": "B"}', "name"),
        ('{"pain_locations": [{"a": 1, "a": 2}]}', "a"),
        ('{"\\n": 1, "\\n": 2}', '"\\n"'),
    ],
)
def test_duplicate_keys_are_refused_with_one_line(runner, tmp_path, text, expected):
    path = write(tmp_path, text)
    for args in both_commands(tmp_path, path):
        assert_refused(runner.invoke(args=args), "more than once", expected)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_numbers_are_refused(runner, tmp_path, constant):
    path = write(tmp_path, json.dumps(full(pain_average=0)).replace(": 0", f": {constant}", 1))
    assert_refused(runner.invoke(args=["evaluate", path]), "not valid JSON", constant)


def test_a_file_larger_than_the_limit_is_refused(runner, tmp_path):
    from screening.cli import MAX_INPUT_BYTES

    text = json.dumps(FULL)
    path = write(tmp_path, text + " " * (MAX_INPUT_BYTES - len(text)))
    assert runner.invoke(args=["evaluate", path]).exit_code == 0  # exactly the limit: read
    path = write(tmp_path, text + " " * (MAX_INPUT_BYTES - len(text) + 1))
    for args in both_commands(tmp_path, path):
        assert_refused(runner.invoke(args=args), "larger than")


def test_standard_input_larger_than_the_limit_is_refused(runner):
    from screening.cli import MAX_INPUT_BYTES

    result = runner.invoke(args=["evaluate", "-"], input=" " * (MAX_INPUT_BYTES + 1))
    assert_refused(result, "standard input", "larger than")


def test_a_directory_is_refused(runner, tmp_path):
    assert_refused(runner.invoke(args=["evaluate", str(tmp_path)]), "directory")


def test_a_file_that_is_not_utf8_is_refused(runner, tmp_path):
    path = tmp_path / "answers.json"
    path.write_bytes(b'{"name": "\xff"}')
    assert_refused(runner.invoke(args=["evaluate", str(path)]), "UTF-8")


@pytest.mark.parametrize(
    ("key", "escaped"),
    [
        ("\n", '"\\n"'),
        ("a\r\nb", '"a\\r\\nb"'),
        ("\u2028", '"\\u2028"'),
        ("\u2029", '"\\u2029"'),
        ("\x85", '"\\x85"'),
        ("\x0b\x0c\x1c\x1d\x1e", '"\\x0b\\x0c\\x1c\\x1d\\x1e"'),
        ("\x1b[31mred", '"\\x1b[31mred"'),  # a terminal escape sequence
        ("\u202egnp.exe", '"\\u202egnp.exe"'),  # a bidirectional override
        ('say "hi"\\', '"say \\"hi\\"\\\\"'),
        ("", '""'),
        ("shoe_size", "shoe_size"),
    ],
)
def test_unknown_keys_are_printed_escaped_on_one_line(runner, tmp_path, key, escaped):
    path = write(tmp_path, json.dumps({key: None}))
    for args in both_commands(tmp_path, path):
        line = assert_refused(runner.invoke(args=args), "not a question")
        assert line.startswith(f"error: {escaped}: "), line


def test_paths_are_printed_on_one_line(runner, tmp_path):
    line = assert_refused(runner.invoke(args=["evaluate", str(tmp_path / "a\nb\u2028.json")]))
    assert "a\\nb\\u2028.json" in line and "no such file" in line


# Real files the in-process runner cannot fake: /dev/zero, a FIFO, standard input from a device.
# A timeout, so that a regression fails instead of hanging the suite.
CLI_TIMEOUT = 60


def run_cli(tmp_path, *args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(APP_ENV="development", INSTANCE_PATH=str(tmp_path / "instance"))
    try:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "screening", *args],
            stdin=stdin,
            capture_output=True,
            timeout=CLI_TIMEOUT,
            env=env,
            cwd=tmp_path,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"flask {' '.join(args)} still ran after {CLI_TIMEOUT} s")


def assert_process_refused(process, *expected: str) -> None:
    stderr = process.stderr.decode()
    assert process.returncode == 2, (process.returncode, stderr[-2000:])
    assert process.stdout == b""
    assert "Traceback" not in stderr
    assert stderr.startswith("error: ") and len(stderr.splitlines()) == 1, stderr[-2000:]
    for text in expected:
        assert text in stderr, (text, stderr)


@pytest.mark.parametrize("command", ["evaluate", "summary-pdf"])
def test_dev_zero_is_refused_without_hanging(tmp_path, command):
    args = [command, "/dev/zero"] + (["out.pdf"] if command == "summary-pdf" else [])
    assert_process_refused(run_cli(tmp_path, *args), "/dev/zero", "not a regular file")
    assert not (tmp_path / "out.pdf").exists()


def test_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "answers.json"
    os.mkfifo(fifo)
    assert_process_refused(run_cli(tmp_path, "evaluate", str(fifo)), "not a regular file")


def test_standard_input_from_dev_zero_is_read_only_up_to_the_limit(tmp_path):
    with open("/dev/zero", "rb") as zero:
        process = run_cli(tmp_path, "evaluate", "-", stdin=zero)
    assert_process_refused(process, "standard input", "larger than")


def test_a_surrogate_name_is_refused_by_the_real_command(tmp_path):
    path = write(tmp_path, json.dumps(full(name="\ud800")))
    process = run_cli(tmp_path, "summary-pdf", path, "out.pdf")
    assert_process_refused(process, "name", "\\ud800")
    assert not (tmp_path / "out.pdf").exists()


def test_summary_pdf_names_its_output_files_on_one_line(runner, tmp_path):
    out, html = tmp_path / "out\n.pdf", tmp_path / "out\u2028.html"
    result = runner.invoke(
        args=["summary-pdf", write(tmp_path, FULL), str(out), "--html", str(html)]
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and html.exists()
    assert len(result.stdout.splitlines()) == 1 and result.stdout.count("\n") == 1
    assert "out\\n.pdf" in result.stdout and "out\\u2028.html" in result.stdout


def test_summary_pdf_unwritable_output_is_one_line(runner, tmp_path):
    out = tmp_path / "no\ndir" / "out.pdf"
    result = runner.invoke(args=["summary-pdf", write(tmp_path, FULL), str(out)])
    assert_refused(result, "no\\ndir", "cannot be written")
