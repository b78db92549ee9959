"""Bad input, generated: every step and every clinician form, and the commands with bad files.

Whatever is posted (random text and unicode, huge and negative numbers, missing and repeated
fields, wrong types, values of other questions): never a server error, and what is stored always
passes the questionnaire's own validation.

Each input is generated in a class whose outcome is known from how it was made, written out
here (never asked of the code under test): a NUL character anywhere is 400; a step post with one
answer its question can never accept is the page again (200), one with the realistic answers
is a redirect (302), one to a page the answers do not ask (a treatment not tried) stores nothing
and goes on (302); a date range with a wrong day goes back to the form; an address never used
is 404; and so on. Each test asserts the exact status of its class.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from support import EVERY_TREATMENT, FULL, MINIMAL, form_data
from support.clinic import ADMIN_PASSWORD, make_clinician, make_screening, sign_in

from screening import accounts, drafts, questionnaire
from screening.extensions import db
from screening.models import Clinician, Screening

# How many examples comes from the Hypothesis profile (tests/conftest.py): the "ci" profile of
# `make test` tries the same 60 every run ("fast", for `make test-fast`, the same 20); `make fuzz`
# searches at random, with more. Every input
# that ever failed is kept below as an @example, so that it is tried in every run.
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ALL_KEYS = [q.key for q in questionnaire.QUESTIONS]


def _box_names(questions) -> list[str]:
    """The names of the extra boxes an answer is typed in: a date's day, month and year
    (`date_of_birth-day`), a month's month and year, feet and inches, stones and pounds."""
    return [b.name for q in questions for b in q.boxes if b.part]


ALL_BOXES = _box_names(questionnaire.QUESTIONS)
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


START = st.sampled_from(["empty", "minimal", "full", "every_treatment"])
STARTING_ANSWERS = {
    "empty": {},
    "minimal": MINIMAL,
    "full": FULL,
    "every_treatment": EVERY_TREATMENT,
}
# Pages that are asked only under some answers, and the starting answers that ask them: every
# question on them depends on answers given on other pages (a treatment tried, injections had).
# Every other page is asked whatever the answers. A page not asked is skipped: opening it goes on
# to the next page to answer (302), and what is posted to it is not stored.
ASKED_ONLY_FROM = {
    "treatment_physical_therapy": {"full", "every_treatment"},
    "treatment_home_exercise": {"full", "every_treatment"},
    "treatment_medication": {"full", "every_treatment"},
    "treatment_activity_modification": {"full", "every_treatment"},
    "treatment_si_belt": {"full", "every_treatment"},
    "treatment_manual_therapy": {"every_treatment"},
    "treatment_steroid_injection": {"every_treatment"},
    "treatment_radiofrequency_ablation": {"every_treatment"},
    "treatment_started": {"full", "every_treatment"},
    "injection_details": {"full", "every_treatment"},
}


def _asked(step_key: str, start: str) -> bool:
    """Whether a page is asked under the starting answers (a post never changes that)."""
    return start in ASKED_ONLY_FROM.get(step_key, {start})


def _nul(*parts: object) -> bool:
    """Whether a body or URL carries a NUL character, which every route refuses with 400.

    The character itself, in any key or value; not the four characters backslash, x, 0, 0.
    """
    stack: list[object] = list(parts)
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def _assert_storable(answers: dict) -> None:
    """Stored answers are exactly what the questionnaire's validation accepts and returns."""
    assert questionnaire.validate(answers, complete=False) == answers


# Keys that are not questions of the step being posted: other questions', the form's own, made up.
OTHER_KEYS = st.one_of(
    st.sampled_from(ALL_KEYS),
    st.sampled_from(ALL_BOXES),
    st.sampled_from(["csrf_token", "screening_token", "id", "reference"]),
    st.text(string.ascii_letters + "_[].", min_size=1, max_size=20),
)
# The submit button: none, Continue, Save and come back later, or anything; the first one counts.
ACTION = st.one_of(
    st.just([]), st.just(["continue"]), st.just(["save"]), st.lists(TEXT, min_size=1, max_size=2)
)
# Characters no one-line text answer may hold: line breaks, a bidirectional override.
NOT_ONE_LINE_CHARS = ("\n", "\r", "\u2028", "\u2029", "\x85", "\u202e")
NOT_ONE_LINE = st.sampled_from(NOT_ONE_LINE_CHARS)


def _never_accepted(question: questionnaire.Question) -> st.SearchStrategy[str]:
    """A value this question can never accept, by its type.

    Text answers are one line of visible text: a line break or a bidirectional control between
    two letters is always refused. No number, date or choice value starts with "~".
    """
    if question.type == "text":
        return st.builds(lambda a, c, b: f"x{a}{c}{b}x", TEXT, NOT_ONE_LINE, TEXT)
    return TEXT.map(lambda t: "~" + t)


def _targets(step: questionnaire.Step) -> list[questionnaire.Question]:
    """The questions a page always asks when it is asked: those without a condition, or on a
    page asked only under some answers, all of them."""
    return [q for q in step.questions if not q.when] or list(step.questions)


def _is_refused(question: questionnaire.Question, posted: list[str] | None) -> bool:
    """Whether a posted value is one that `_never_accepted` makes for this question."""
    if not posted or len(posted) != 1:
        return False
    value = posted[0]
    if question.type == "text":
        inner = value[1:-1]
        return value[:1] == value[-1:] == "x" and any(c in inner for c in NOT_ONE_LINE_CHARS)
    return value.startswith("~")


def _target(step: questionnaire.Step) -> questionnaire.Question:
    return _targets(step)[0]


def _refused(step: questionnaire.Step) -> str:
    """A value the first of the page's targets never accepts (as `_never_accepted` makes)."""
    return "x\nx" if _target(step).type == "text" else "~"


@st.composite
def step_posts(draw, step: questionnaire.Step) -> tuple[str, str, dict[str, list[str]]]:
    """(start, kind, body): what the draft holds before, and a post of one of two kinds.

    "realistic": the step's answers from the realistic answers the draft started from (FULL for
    an empty draft), plus any other fields: always accepted. "wrong": any values for any of the
    step's fields and boxes, and one question that the page always asks (it has no condition;
    on a page asked only under some answers, every question is asked when the page is) given a
    value it never accepts: refused when the page is asked, ignored when it is not.
    """
    start = draw(START)
    kind = draw(st.sampled_from(["realistic", "wrong"]))
    boxes = _box_names(step.questions)
    if kind == "realistic":
        source = FULL if start == "empty" else STARTING_ANSWERS[start]
        body = {k: v if isinstance(v, list) else [v] for k, v in form_data(step, source).items()}
    else:
        target = draw(st.sampled_from(_targets(step)))
        # Any of the page's fields and boxes, except the target's own boxes: a date typed in
        # its boxes is read from them, not from the value posted under its key.
        fields = [k for k in (*step.keys, *boxes) if k not in _box_names([target])]
        body = draw(st.dictionaries(st.sampled_from(fields), FIELD, max_size=8))
        body[target.key] = [draw(_never_accepted(target))]
    others = st.dictionaries(
        OTHER_KEYS.filter(lambda k: k not in (*step.keys, *boxes) and k != "action"),
        FIELD,
        max_size=6,
    )
    body.update(draw(others))
    action = draw(ACTION)
    if action:
        body["action"] = action
    return start, kind, body


def test_the_pages_asked_only_under_some_answers_are_those_of_the_table():
    # The table above is written out by hand: check it against the tree once, so that a page
    # added with conditions is not fuzzed with the wrong expectations.
    conditional = [s.key for s in questionnaire.STEPS if all(q.when for q in s.questions)]
    assert conditional == list(ASKED_ONLY_FROM)


@pytest.mark.parametrize("step_key", [s.key for s in questionnaire.STEPS])
def test_any_post_to_a_step_is_handled_and_stores_only_valid_answers(app, step_key):
    step = questionnaire.STEP_BY_KEY[step_key]
    always_asked = [q.key for q in step.questions if not q.when]

    @FUZZ
    @given(post=step_posts(step), returning=st.booleans())
    @example(
        post=("full", "realistic", {**form_data(step, FULL), step.keys[0]: ["\x00"]}),
        returning=True,
    )
    @example(
        post=(
            "every_treatment",
            "wrong",
            {_target(step).key: [_refused(step)], "action": ["save"]},
        ),
        returning=False,
    )
    @example(post=("empty", "wrong", {_target(step).key: [_refused(step)]}), returning=False)
    def run(post: tuple[str, str, dict[str, list[str]]], returning: bool) -> None:
        start, kind, body = post
        asked = _asked(step_key, start)
        screening = drafts.create_draft()
        screening.answers = dict(STARTING_ANSWERS[start])
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["screening_token"] = screening.token
        url = f"/step/{step_key}" + ("?return=check" if returning else "")
        response = client.post(url, data=body)
        saving = body.get("action", [""])[0] == "save"
        if _nul(body):
            expected = 400
        elif asked and (kind == "wrong" or saving):
            expected = 200  # the page again with its errors, or the page with the resume code
        elif saving:
            expected = 200  # a page not asked: nothing to save, but the resume code is given
        else:
            # On to the next step, or back to check answers; a page not asked: its answers
            # are not stored.
            expected = 302
        assert response.status_code == expected, (kind, saving, asked, response.status_code)
        db.session.expire_all()
        stored = db.session.get(Screening, screening.id)
        if stored is None:  # nothing deletes a draft from a step post
            pytest.fail("the draft disappeared")
        answers = dict(stored.answers)
        _assert_storable(answers)
        assert stored.status == "draft"
        if expected == 400 or not asked or (kind == "wrong" and not saving):
            assert answers == STARTING_ANSWERS[start]  # nothing saved
        elif kind == "wrong":
            # Save and come back later keeps the valid answers and names those not kept; a
            # refused answer leaves the one saved before exactly as it was.
            assert "We did not keep:" in response.get_data(as_text=True)
            for q in _targets(step):
                if _is_refused(q, body.get(q.key)):
                    assert answers.get(q.key) == STARTING_ANSWERS[start].get(q.key), q.key
        elif start != "empty":
            # The page's own answers posted again: nothing changes.
            assert answers == STARTING_ANSWERS[start]
        else:
            for key in always_asked:
                assert answers.get(key) == FULL.get(key), key
        # The pages still render with whatever was stored (a page not asked is skipped);
        # check answers needs every step.
        assert client.get(f"/step/{step_key}").status_code == (200 if asked else 302)
        complete = start != "empty"
        if kind == "wrong" and saving and asked and expected != 400:
            # A save may clear this page's answers left empty: check answers asks for them.
            complete = complete and questionnaire.first_unanswered_step(answers) is None
        assert client.get("/check").status_code == (200 if complete else 302)

    run()


def test_the_text_backslash_x00_is_an_answer_not_a_nul_character(app):
    # Found by chance: the four characters backslash, x, 0, 0 were taken for a NUL character.
    client = app.test_client()
    client.post("/start")
    assert client.post("/step/safety_urgent", data={"rf_lump": "\\x00"}).status_code == 200
    assert client.post("/step/about", data={"name": "\\x00"}).status_code == 302
    assert client.get("/step/about").status_code == 200
    db.session.expire_all()
    assert db.session.scalars(select(Screening)).one().answers == {"name": "\\x00"}


@FUZZ
@given(code=st.one_of(TEXT, NASTY), action=st.one_of(st.none(), TEXT, st.just("delete")))
@example(code="\\x00", action=None)
@example(code="\x00", action="delete")
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
    st.sampled_from(["q", "outcome", "reviewed", "red_flags", "page", "user", "reference", "next"]),
    st.one_of(TEXT, NASTY, st.integers(-(10**30), 10**30).map(str)),
    max_size=6,
)
WRONG = "wrong"
# A bound of the export's date range, as typed, with the day it means: None when left empty,
# WRONG when it is no day as YYYY-MM-DD (the calendar's last day is refused too: no range can
# end after it). None for the whole pair: not in the query at all.
RANGE_DAY = st.one_of(
    st.none(),
    st.just(("", None)),
    st.dates(max_value=dt.date(9999, 12, 30)).map(lambda d: (d.isoformat(), d)),
    st.sampled_from(["2026-02-30", "2026-13-01", "9999-12-31", "26-11-01", "1e9", " ", "0"]).map(
        lambda t: (t, WRONG)
    ),
    TEXT.map(lambda t: ("~" + t, WRONG)),
)


def _download_status(start: tuple | None, end: tuple | None) -> int:
    """A download with a wrong day, or a range that ends before it starts, goes back to the
    form (302); any other range is the file (200)."""
    days = [bound[1] for bound in (start, end) if bound is not None]
    if WRONG in days:
        return 302
    if start and end and start[1] and end[1] and end[1] < start[1]:
        return 302
    return 200


@FUZZ
@given(args=ARGS, start=RANGE_DAY, end=RANGE_DAY)
@example(args={"page": str(2**63)}, start=None, end=None)
@example(args={"q": "\\x00"}, start=None, end=None)
@example(args={}, start=("0001-01-01", dt.date(1, 1, 1)), end=("9999-12-31", WRONG))
@example(
    args={}, start=("2026-11-02", dt.date(2026, 11, 2)), end=("2026-11-01", dt.date(2026, 11, 1))
)
def test_any_worklist_export_and_audit_query_is_handled(admin_client, args, start, end):
    query = dict(args)
    for name, bound in (("from", start), ("to", end)):
        if bound is not None:
            query[name] = bound[0]
    for path in ("/clinician/", "/clinician/export", "/clinician/admin/audit"):
        response = admin_client.get(path, query_string=query)
        assert response.status_code == (400 if _nul(query) else 200), (path, response.status_code)
    expected = 400 if _nul(query) else _download_status(start, end)
    for path in ("/clinician/export.csv", "/clinician/export.fhir.json"):
        response = admin_client.get(path, query_string=query)
        assert response.status_code == expected, (path, response.status_code)


def _url_statuses(ident: str, admin_id: int) -> tuple[int, ...]:
    """What GET screening page, GET summary, POST review, POST disable and POST enable answer
    for `ident` in their URLs, when no screening has that reference."""
    if "\x00" in ident:
        return (400,) * 5
    # Tabs and line breaks are dropped from a URL by the client (urllib, as WHATWG URLs).
    seen = ident.replace("\t", "").replace("\n", "").replace("\r", "")
    if seen == "":
        # "screenings/" is no page; "screenings//summary" is redirected to the merged slashes;
        # "screenings//review" merged is the GET-only page of a screening called "review";
        # "accounts//disable" merged matches nothing.
        return (404, 308, 405, 404, 404)
    # An account id is digits (any script's decimal digits, as Werkzeug's int converter reads
    # them); one's own account: disabling it is refused with a message, enabling it does
    # nothing, and both go back to the accounts page.
    account = 302 if seen.isdecimal() and int(seen) == admin_id else 404
    return (404, 404, 404, account, account)


# No "/", "?", "#" or "%" (they change which URL it is), and not 11 letters and digits, which
# a reference like SIJ-7K3Q-9XMD in any case or spacing could be.
URL_PART = st.one_of(
    TEXT.filter(lambda t: not set(t) & set("/?#%") and sum(c.isalnum() for c in t) != 11),
    st.integers(-(10**30), 10**30).map(str),
)


@FUZZ
@given(ident=URL_PART)
@example(ident=str(2**31))  # one past PostgreSQL's integer
@example(ident=str(10**30))  # past SQLite's integer
@example(ident="")
@example(ident="\n")
@example(ident="1")
@example(ident="01")
@example(ident="\u0661")  # ARABIC-INDIC DIGIT ONE
def test_any_reference_or_account_id_in_a_url_is_handled(admin_client, ident):
    admin_id = db.session.scalar(
        select(Clinician.id).where(Clinician.email == "admin@clinic.example")
    )
    statuses = (
        admin_client.get(f"/clinician/screenings/{ident}").status_code,
        admin_client.get(f"/clinician/screenings/{ident}/summary").status_code,
        admin_client.post(f"/clinician/screenings/{ident}/review").status_code,
        admin_client.post(f"/clinician/admin/accounts/{ident}/disable").status_code,
        admin_client.post(f"/clinician/admin/accounts/{ident}/enable").status_code,
    )
    assert statuses == _url_statuses(ident, admin_id)


# Accounts: an email that is certainly an address (letters and digits, a dot-separated domain)
# or certainly not one (no "@", two "@"s, nothing before or after it, a space, a bidi control);
# a password of 12 characters or more, or of fewer.
GOOD_EMAIL = st.builds(
    lambda local, domain, pad: f"{pad}{local}@{domain}.example{pad}",
    st.text(string.ascii_letters + string.digits, min_size=1, max_size=20),
    st.text(string.ascii_lowercase, min_size=1, max_size=12),
    st.sampled_from(["", " "]),
)
BAD_EMAIL = st.one_of(
    TEXT.filter(lambda t: "@" not in t),
    st.sampled_from(
        [
            "a@b@clinic.example",
            "@clinic.example",
            "doctor@",
            "doc tor@clinic.example",
            "doctor@clinic.example\u202e",
        ]
    ),
)
GOOD_PASSWORD = st.text(string.ascii_letters + string.digits, min_size=12, max_size=40)
SHORT_PASSWORD = st.text(string.ascii_letters + string.digits, max_size=11)


def _existing(email: str) -> bool:
    """Whether an account with this address (any case, spaces around) is already stored."""
    clean = email.strip().lower()
    if "\x00" in clean:
        return False  # no stored address has one (and PostgreSQL cannot even compare with it)
    return db.session.scalar(select(Clinician.id).where(Clinician.email == clean)) is not None


@FUZZ
@given(
    email=st.one_of(GOOD_EMAIL.map(lambda e: (e, True)), BAD_EMAIL.map(lambda e: (e, False))),
    password=st.one_of(
        GOOD_PASSWORD.map(lambda p: (p, True)),
        SHORT_PASSWORD.map(lambda p: (p, False)),
        st.text(min_size=12, max_size=40).map(lambda p: (p, "\x00" not in p)),
    ),
    is_admin=st.one_of(st.none(), TEXT, st.just("1")),
)
def test_any_account_form_is_handled_and_stores_only_valid_accounts(
    admin_client, email, password, is_admin
):
    (email, email_ok), (password, password_ok) = email, password
    data = {"email": email, "password": password}
    if is_admin is not None:
        data["is_admin"] = is_admin
    before = _existing(email)
    created = email_ok and password_ok and not _nul(data) and not before
    response = admin_client.post("/clinician/admin/accounts", data=data)
    assert response.status_code == (302 if created else 400)
    db.session.expire_all()
    assert _existing(email) is (before or created)
    for clinician in db.session.scalars(select(Clinician)):
        assert accounts.normalise_email(clinician.email) == clinician.email
        assert clinician.password_hash.startswith("$argon2id$")
        assert password not in clinician.password_hash or len(password) < 4


@FUZZ
@given(email=st.one_of(TEXT, NASTY), password=st.one_of(TEXT, NASTY), next_=TEXT)
@example(email="\\x00", password="\\x00", next_="\\x00")
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
    assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
    # One line for a terminal too: no \r, \v, \x85, \u2028, escape sequences or bidi controls.
    assert len(result.output.splitlines()) == 1, result.output
    assert result.output.rstrip("\n").isprintable(), repr(result.output)


@FUZZ
@given(content=FILE_BYTES)
# Found by chance: the raw key was printed, so the message took three lines.
@example(content=b'{"\\n": null}')
@example(content=b'{"\\r\\n\\u2028\\u2029\\u0085\\u000b\\u001b[2J\\u202e": 1}')
@example(content=b'{"name": "\\ud800"}')  # a lone surrogate cannot go into the PDF
@example(content=b'{"name": "A", "name": "B"}')  # which one counts would be a guess
@example(content=b'{"pain_average": NaN}')
@example(content=json.dumps({"name": "\n\u2028"}).encode())
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
@given(
    email=st.one_of(GOOD_EMAIL.map(lambda e: (e, True)), BAD_EMAIL.map(lambda e: (e, False))),
    password=st.one_of(
        GOOD_PASSWORD.map(lambda p: (p, True)), SHORT_PASSWORD.map(lambda p: (p, False))
    ),
)
@example(email=("doctor@clinic.example", True), password=("correct horse battery", True))
def test_clinician_create_exits_0_or_2_as_its_input_says(app, email, password):
    (email, email_ok), (password, password_ok) = email, password
    created = email_ok and password_ok and not _existing(email)
    result = app.test_cli_runner().invoke(
        args=["clinician", "create", "--password-stdin", "--", email], input=password + "\n"
    )
    if created:
        assert result.exit_code == 0, result.output
        assert _existing(email)
    else:
        # A bad address, a short password, or an account for that address already exists.
        _no_crash(result)
    db.session.rollback()


def test_the_suite_tries_the_same_examples_every_run_unless_fuzzing():
    ci, fuzz = settings.get_profile("ci"), settings.get_profile("fuzz")
    fast = settings.get_profile("fast")
    for same in (ci, fast):
        assert same.derandomize and same.database is None  # no seed, no saved examples
    assert fast.max_examples < ci.max_examples
    assert not fuzz.derandomize and fuzz.max_examples > ci.max_examples
    loaded = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
    for current in (settings.default, FUZZ):
        assert current.derandomize == loaded.derandomize
        assert current.max_examples == loaded.max_examples
