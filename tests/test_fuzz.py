"""Bad input, generated: every step and every clinician form, and the commands with bad files.

Whatever is posted (random text and unicode, huge and negative numbers, missing and repeated
fields, wrong types, values of other questions): never a server error, and what is stored always
passes the questionnaire's own validation.
"""

from __future__ import annotations

import datetime as dt
import json
import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from support import FULL, MINIMAL
from test_clinician_support import ADMIN_PASSWORD, make_clinician, make_screening, sign_in

from screening import accounts, drafts, questionnaire
from screening.extensions import db
from screening.models import Clinician, Screening

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ALL_KEYS = [q.key for q in questionnaire.QUESTIONS]
ALL_VALUES = sorted({c.value for q in questionnaire.QUESTIONS for c in q.choices})

# Text a browser can send: any unicode except lone surrogates (not encodable as UTF-8).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "-0",
        "00012",
        "1e9",
        "NaN",
        "Infinity",
        "12.5",
        "12,000",
        "１２",  # full-width digits
        "٣",  # Arabic-Indic digit
        "²",
        "\x00",
        "\u202e12",
        "null",
        "[]",
        "{}",
        "true",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "9" * 400,
        "x" * 5000,
        "2026-02-30",
        "1900-01-01",
        "9999-12-31",
        "0001-01-01",
    ]
)
VALUE = st.one_of(
    TEXT,
    NASTY,
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(ALL_VALUES),
    st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
)
# A field missing (empty list), once, or repeated.
FIELD = st.lists(VALUE, max_size=4)


def _body(step_keys: list[str]) -> st.SearchStrategy[dict[str, list[str]]]:
    keys = st.one_of(
        st.sampled_from(step_keys),
        st.sampled_from(step_keys),  # the step's own fields, more often
        st.sampled_from(ALL_KEYS),
        st.sampled_from(["action", "csrf_token", "screening_token", "id", "reference"]),
        st.text(string.ascii_letters + "_[].", min_size=1, max_size=20),
    )
    return st.dictionaries(keys, FIELD, max_size=12)


START = st.sampled_from(["empty", "minimal", "full"])
STARTING_ANSWERS = {"empty": {}, "minimal": MINIMAL, "full": FULL}


def _nul(*parts: object) -> bool:
    """Whether a body or URL carries a NUL character, which every route refuses with 400."""
    return "\x00" in repr(parts) or "\\x00" in repr(parts)


def _assert_storable(answers: dict) -> None:
    """Stored answers are exactly what the questionnaire's validation accepts and returns."""
    assert questionnaire.validate(answers, complete=False) == answers


@pytest.mark.parametrize("step_key", [s.key for s in questionnaire.STEPS])
def test_any_post_to_a_step_is_handled_and_stores_only_valid_answers(app, step_key):
    step = questionnaire.STEP_BY_KEY[step_key]

    @FUZZ
    @given(body=_body(list(step.keys)), start=START, returning=st.booleans())
    def run(body: dict[str, list[str]], start: str, returning: bool) -> None:
        screening = drafts.create_draft()
        screening.answers = dict(STARTING_ANSWERS[start])
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["screening_token"] = screening.token
        url = f"/step/{step_key}" + ("?return=check" if returning else "")
        response = client.post(url, data=body)
        expected = (400,) if _nul(body) else (200, 302)
        assert response.status_code in expected, response.status_code
        db.session.expire_all()
        stored = db.session.get(Screening, screening.id)
        if stored is None:  # nothing deletes a draft from a step post
            pytest.fail("the draft disappeared")
        _assert_storable(dict(stored.answers))
        assert stored.status == "draft"
        # The pages still render with whatever was stored.
        assert client.get(f"/step/{step_key}").status_code == 200
        assert client.get("/check").status_code in (200, 302)

    run()


@FUZZ
@given(code=st.one_of(TEXT, NASTY), action=st.one_of(st.none(), TEXT, st.just("delete")))
def test_any_resume_post_is_handled(app, code, action):
    data = {"code": code} if action is None else {"code": code, "action": action}
    response = app.test_client().post("/resume", data=data)
    assert response.status_code == (400 if _nul(data) else 200)


# --- clinician forms -----------------------------------------------------------------------------


@pytest.fixture
def admin_client(app):
    """A signed-in administrator, and one submitted screening."""
    make_clinician("admin@clinic.example", ADMIN_PASSWORD, admin=True)
    make_screening(name="Fuzz Patient")
    client = app.test_client()
    assert sign_in(client, "admin@clinic.example", ADMIN_PASSWORD).status_code == 302
    return client


ARGS = st.dictionaries(
    st.sampled_from(["q", "outcome", "reviewed", "red_flags", "page", "from", "to", "user"])
    | st.sampled_from(["reference", "next"]),
    st.one_of(TEXT, NASTY, st.integers(-(10**30), 10**30).map(str)),
    max_size=6,
)


@FUZZ
@given(args=ARGS)
@example(args={"page": str(2**63)})
@example(args={"to": "9999-12-31", "from": "0001-01-01"})
def test_any_worklist_export_and_audit_query_is_handled(admin_client, args):
    for path in ("/clinician/", "/clinician/export", "/clinician/admin/audit"):
        response = admin_client.get(path, query_string=args)
        assert response.status_code == (400 if _nul(args) else 200), (path, response.status_code)
    for path in ("/clinician/export.csv", "/clinician/export.fhir.json"):
        response = admin_client.get(path, query_string=args)
        expected = (400,) if _nul(args) else (200, 302)
        assert response.status_code in expected, (path, response.status_code)


@FUZZ
@given(
    ident=st.one_of(
        TEXT.filter(lambda t: "/" not in t and "?" not in t and "#" not in t),
        st.integers(-(10**30), 10**30).map(str),
    )
)
@example(ident=str(2**31))  # one past PostgreSQL's integer
@example(ident=str(10**30))  # past SQLite's integer
def test_any_reference_or_account_id_in_a_url_is_handled(admin_client, ident):
    # 404 for what does not exist, 400 for NUL, 308 or 405 where an empty part leaves "//".
    allowed = (200, 302, 308, 400, 404, 405)
    for path in (
        f"/clinician/screenings/{ident}",
        f"/clinician/screenings/{ident}/summary",
    ):
        assert admin_client.get(path).status_code in allowed, path
    response = admin_client.post(f"/clinician/screenings/{ident}/review")
    assert response.status_code in allowed
    for action in ("disable", "enable"):
        response = admin_client.post(f"/clinician/admin/accounts/{ident}/{action}")
        assert response.status_code in allowed, (action, response.status_code)


@FUZZ
@given(
    email=st.one_of(TEXT, NASTY, st.emails().map(str)),
    password=st.one_of(TEXT, NASTY, st.text(min_size=12, max_size=40)),
    is_admin=st.one_of(st.none(), TEXT, st.just("1")),
)
def test_any_account_form_is_handled_and_stores_only_valid_accounts(
    admin_client, email, password, is_admin
):
    data = {"email": email, "password": password}
    if is_admin is not None:
        data["is_admin"] = is_admin
    response = admin_client.post("/clinician/admin/accounts", data=data)
    assert response.status_code in (302, 400), response.status_code  # 400: refused, or NUL
    db.session.expire_all()
    for clinician in db.session.scalars(select(Clinician)):
        assert accounts.normalise_email(clinician.email) == clinician.email
        assert clinician.password_hash.startswith("$argon2id$")
        assert password not in clinician.password_hash or len(password) < 4


@FUZZ
@given(email=st.one_of(TEXT, NASTY), password=st.one_of(TEXT, NASTY), next_=TEXT)
def test_any_sign_in_post_is_handled(app, email, password, next_):
    data = {"email": email, "password": password, "next": next_}
    response = app.test_client().post("/clinician/login", data=data)
    assert response.status_code == (400 if _nul(data) else 401)


# --- commands with malformed files ---------------------------------------------------------------

JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.one_of(TEXT, st.sampled_from(ALL_KEYS)), children, max_size=6)
    ),
    max_leaves=20,
)
FILE_BYTES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUE.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(ALL_KEYS), JSON_VALUE, max_size=8).map(
        lambda v: json.dumps(v).encode()
    ),
    st.sampled_from([b"", b"{", b"\xff\xfe{}", b"[]", b"null", b'{"name": "\\ud800"}']),
)


def _no_crash(result) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1


@FUZZ
@given(content=FILE_BYTES)
def test_evaluate_and_summary_pdf_refuse_malformed_files_with_exit_2(app, tmp_path, content):
    path = tmp_path / "answers.json"
    path.write_bytes(content)
    runner = app.test_cli_runner(mix_stderr=False) if _mix_stderr_supported() else None
    runner = runner or app.test_cli_runner()
    for args in (["evaluate", str(path)], ["summary-pdf", str(path), str(tmp_path / "o.pdf")]):
        result = runner.invoke(args=args)
        _no_crash(result)
    assert not (tmp_path / "o.pdf").exists()


def _mix_stderr_supported() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


@FUZZ
@given(email=st.one_of(TEXT, NASTY), password=st.one_of(TEXT, NASTY))
def test_clinician_create_refuses_bad_input_with_exit_2(app, email, password):
    if "\n" in password or "\r" in password:
        password = password.splitlines()[0] if password.splitlines() else ""
    try:
        accounts.normalise_email(email)
        accounts.check_password(password)
        valid = True
    except accounts.AccountError:
        valid = False
    result = app.test_cli_runner().invoke(
        args=["clinician", "create", "--password-stdin", "--", email], input=password + "\n"
    )
    if valid:
        assert result.exit_code in (0, 2), result.output  # 2: that account already exists
    else:
        _no_crash(result)
    db.session.rollback()
