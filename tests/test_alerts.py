"""Red-flag alerts: one email to the clinic per red-flag submission, through a real SMTP server on
a loopback port (aiosmtpd), with the reference and a sign-in link and no health data; a failed
send is logged, recorded and retried by `flask send-alerts`, and never breaks the submission."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from support import full
from support.mail import SMTPServer, free_port

from screening import alerts, drafts, questionnaire
from screening.extensions import db
from screening.models import Alert, AuditEvent, Screening, utcnow

CLINIC = "red-flags@clinic.example"
SENDER = "screening@clinic.example"
BASE = "https://screening.clinic.example"
NAME = "Alex Example"
BIRTH = ("1972-05-14", "14 May 1972", "14/05/1972", "05/14/1972")


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        yield server


def _mail_config(port: int, **changes: Any) -> dict[str, Any]:
    config = {
        "CLINIC_ALERT_EMAIL": CLINIC,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": False,
        "MAIL_DEFAULT_SENDER": SENDER,
        "MAIL_TIMEOUT_SECONDS": 5,
        "PUBLIC_BASE_URL": BASE,
    }
    config.update(changes)
    return config


@pytest.fixture
def mail_app(make_app, smtp):
    """An app whose alerts go to the test SMTP server."""
    app = make_app(**_mail_config(smtp.port))
    with app.app_context():
        yield app
        db.session.remove()


# -- answers ------------------------------------------------------------------------------------


def _red_flag_keys() -> list[str]:
    """The red-flag questions of the current questionnaire (one yes/no question each)."""
    return [k for k in questionnaire.BY_KEY if k.startswith("rf_")]


def _answers(red_flag: bool) -> tuple[dict[str, Any], list[str]]:
    """Realistic answers with or without one red flag (new trouble with the bladder or bowels),
    and the red flag's wording as the patient read it."""
    keys = _red_flag_keys()
    if keys:  # one required yes/no question per red flag
        changes: dict[str, Any] = dict.fromkeys(keys, "no")
        changes["red_flags"] = None
        if red_flag:
            changes["rf_bladder_bowel"] = "yes"
        wording = [str(questionnaire.BY_KEY["rf_bladder_bowel"].text)]
    else:  # the safety checklist
        changes = {"red_flags": ["bladder_bowel"] if red_flag else ["none"]}
        [choice] = [
            c for c in questionnaire.BY_KEY["red_flags"].choices if c.value == "bladder_bowel"
        ]
        wording = [str(choice.label)]
    return full(**changes), wording


def _submit(red_flag: bool = True) -> tuple[Screening, list[str]]:
    """Send a screening as the patient's submission does (tests/support/clinic.make_screening),
    queueing its alert inside the same transaction, and commit."""
    answers, wording = _answers(red_flag)
    screening = drafts.create_draft()
    screening.answers = answers
    drafts.submit(screening)
    alerts.queue(screening)
    db.session.commit()
    assert screening.has_red_flags is red_flag
    for flag in (screening.evaluation or {}).get("red_flags") or []:
        if isinstance(flag, dict):
            wording.append(str(flag.get("text") or ""))
        else:
            wording.append(str(flag))
    return screening, [w for w in wording if w]


def _alert_rows() -> list[Alert]:
    db.session.expire_all()
    return list(db.session.scalars(select(Alert).order_by(Alert.id)))


def _audit(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(stmt))


def _assert_no_health_data(text: str, wording: list[str]) -> None:
    assert NAME not in text
    assert "Alex" not in text
    for birth in BIRTH:
        assert birth not in text
    for words in wording:
        assert words not in text, words
    # No answer of the form either (free text the patient typed, their key words).
    for value in ("Putting on socks", "Walking to the shops", "bladder", "bowel"):
        assert value.lower() not in text.lower(), value


# -- one alert per red-flag submission ----------------------------------------------------------


def test_a_red_flag_submission_sends_exactly_one_alert_with_the_reference_and_no_answers(
    mail_app, smtp
):
    screening, wording = _submit(red_flag=True)
    reference = screening.reference

    assert alerts.try_send(screening.id) is True

    [message] = smtp.inbox.messages()
    [(recipients, raw)] = smtp.inbox.received
    assert recipients == [CLINIC]
    assert message["To"] == CLINIC
    assert message["From"] == SENDER
    assert message["Subject"] == f"SI joint screening: red flags reported ({reference})"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith(
        "@clinic.example>"
    )
    assert message["Date"]
    body = message.get_content()
    assert reference in body
    assert f"{BASE}/clinician/screenings/{reference}" in body
    if screening.red_flag_level:
        assert f"Level: {screening.red_flag_level}" in body
    assert screening.submitted_at.strftime("%d %b %Y %H:%M UTC") in body
    # Nothing of the patient's, neither in the decoded body nor anywhere in the raw message.
    _assert_no_health_data(body, wording)
    _assert_no_health_data(raw.decode("utf-8", "replace"), wording)

    [alert] = _alert_rows()
    assert (alert.attempts, alert.last_error) == (1, None)
    assert alert.sent_at is not None
    [row] = _audit("alert_sent")
    assert row.screening_reference == reference
    assert "attempt=1" in (row.detail or "")
    assert _audit("alert_failed") == []

    # Sent is sent: queueing again, trying again or a scheduled run send nothing more.
    assert alerts.queue(db.session.get(Screening, screening.id)).id == alert.id
    db.session.commit()
    assert alerts.try_send(screening.id) is False
    assert alerts.send_pending() == (0, 0)
    assert len(smtp.inbox.received) == 1
    assert len(_alert_rows()) == 1


def test_each_red_flag_submission_gets_its_own_alert(mail_app, smtp):
    first, _ = _submit()
    second, _ = _submit()
    assert alerts.try_send(first.id) and alerts.try_send(second.id)
    subjects = sorted(m["Subject"] for m in smtp.inbox.messages())
    assert subjects == sorted(
        f"SI joint screening: red flags reported ({s.reference})" for s in (first, second)
    )


def test_no_alert_without_red_flags(mail_app, smtp):
    screening, _ = _submit(red_flag=False)
    assert _alert_rows() == []
    assert alerts.try_send(screening.id) is False
    assert alerts.send_pending() == (0, 0)
    assert smtp.inbox.received == []


def test_no_alert_for_a_draft(mail_app, smtp):
    answers, _ = _answers(red_flag=True)
    draft = drafts.create_draft()
    draft.answers = answers
    db.session.commit()
    assert alerts.queue(draft) is None
    assert _alert_rows() == []


def test_no_alert_without_a_clinic_address(make_app, smtp):
    app = make_app(**_mail_config(smtp.port, CLINIC_ALERT_EMAIL=None))
    with app.app_context():
        screening, _ = _submit(red_flag=True)
        assert _alert_rows() == []
        assert alerts.try_send(screening.id) is False
        result = app.test_cli_runner().invoke(args=["send-alerts"])
        assert result.exit_code == 2
        assert result.stderr.strip().count("\n") == 0
        assert "CLINIC_ALERT_EMAIL" in result.stderr
        db.session.remove()
    assert smtp.inbox.received == []


# -- failures: logged, recorded, retried --------------------------------------------------------


def test_server_down_then_send_alerts_sends_it_exactly_once(make_app, smtp, caplog):
    app = make_app(**_mail_config(free_port()))  # nobody listens there
    with app.app_context():
        screening, wording = _submit(red_flag=True)
        reference = screening.reference

        with caplog.at_level(logging.INFO, logger="screening.alerts"):
            assert alerts.try_send(screening.id) is False
        # The submission stands.
        db.session.expire_all()
        assert db.session.get(Screening, screening.id).status == "submitted"
        # One line, with the reference and the kind of error; no health data, no address.
        [record] = [r for r in caplog.records if r.name == "screening.alerts"]
        line = record.getMessage()
        assert "\n" not in line
        assert reference in line
        assert "ConnectionRefusedError" in line
        _assert_no_health_data(line, wording)
        assert "@" not in line
        [alert] = _alert_rows()
        assert alert.attempts == 1
        assert alert.last_error == "ConnectionRefusedError"
        assert alert.sent_at is None
        [failed] = _audit("alert_failed")
        assert failed.screening_reference == reference
        assert "ConnectionRefusedError" in (failed.detail or "")
        assert smtp.inbox.received == []

        # The server is back (the scheduled command runs with the right settings).
        app.config["MAIL_PORT"] = smtp.port
        runner = app.test_cli_runner()
        result = runner.invoke(args=["send-alerts"])
        assert result.exit_code == 0, result.output
        assert result.stdout == f"sent {reference}\n"
        [message] = smtp.inbox.messages()
        assert reference in message["Subject"]
        assert f"{BASE}/clinician/screenings/{reference}" in message.get_content()
        [alert] = _alert_rows()
        assert (alert.attempts, alert.last_error) == (2, None)
        assert alert.sent_at is not None
        [sent] = _audit("alert_sent")
        assert (sent.actor_email, sent.screening_reference) == ("cli", reference)

        again = runner.invoke(args=["send-alerts"])
        assert again.exit_code == 0
        assert "sent" not in again.stdout.replace("no alerts to send", "")
        assert len(smtp.inbox.received) == 1
        assert len(_audit("alert_sent")) == 1
        db.session.remove()


def test_send_alerts_exits_1_with_a_line_for_each_failure(make_app, smtp):
    app = make_app(**_mail_config(free_port()))
    with app.app_context():
        first, _ = _submit()
        second, _ = _submit()
        result = app.test_cli_runner().invoke(args=["send-alerts"])
        assert result.exit_code == 1
        lines = result.stderr.splitlines()
        assert sorted(lines) == sorted(
            f"failed {s.reference}: ConnectionRefusedError" for s in (first, second)
        )
        assert [a.attempts for a in _alert_rows()] == [1, 1]

        # --limit sends the oldest first.
        app.config["MAIL_PORT"] = smtp.port
        result = app.test_cli_runner().invoke(args=["send-alerts", "--limit", "1"])
        assert (result.exit_code, result.stdout) == (0, f"sent {first.reference}\n")
        result = app.test_cli_runner().invoke(args=["send-alerts"])
        assert (result.exit_code, result.stdout) == (0, f"sent {second.reference}\n")
        assert len(smtp.inbox.received) == 2
        db.session.remove()


@pytest.mark.parametrize("limit", ["0", "-1", "ten", "1.5", "", "٣"])
def test_send_alerts_bad_options_exit_2_with_one_line(mail_app, limit):
    result = mail_app.test_cli_runner().invoke(args=["send-alerts", "--limit", limit])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --limit must be a whole number")
    assert result.stderr.count("\n") == 1


def test_an_alert_being_sent_elsewhere_is_not_sent_twice(mail_app, smtp):
    screening, _ = _submit()
    # Another process claimed it a moment ago (the patient's request, or a scheduled run).
    claim = "sending since " + utcnow().isoformat(timespec="seconds")
    db.session.execute(update(Alert).values(attempts=1, last_error=claim))
    db.session.commit()
    assert alerts.try_send(screening.id) is False
    assert alerts.send_pending() == (0, 0)
    assert smtp.inbox.received == []

    # A claim older than the lease is from a process that died mid-send: taken over.
    stale = utcnow() - alerts.SENDING_LEASE - alerts.dt.timedelta(seconds=1)
    claim = "sending since " + stale.isoformat(timespec="seconds")
    db.session.execute(update(Alert).values(last_error=claim))
    db.session.commit()
    assert alerts.send_pending() == (1, 0)
    assert len(smtp.inbox.received) == 1
    [alert] = _alert_rows()
    assert (alert.attempts, alert.last_error) == (2, None)


def test_try_send_never_raises_even_when_the_database_fails(mail_app, smtp, monkeypatch, caplog):
    screening, _ = _submit()

    def broken(alert_id: int) -> Any:
        raise OperationalError("SELECT ...", {}, Exception("server closed the connection"))

    monkeypatch.setattr(alerts, "_claim", broken)
    with caplog.at_level(logging.WARNING, logger="screening.alerts"):
        assert alerts.try_send(screening.id) is False
    [record] = [r for r in caplog.records if r.name == "screening.alerts"]
    assert "OperationalError" in record.getMessage()
    assert smtp.inbox.received == []
    db.session.expire_all()
    assert db.session.get(Screening, screening.id).status == "submitted"


def test_queue_writes_one_row_per_screening(mail_app):
    screening, _ = _submit()
    again = alerts.queue(screening)
    db.session.commit()
    assert again is not None
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 1


# -- the server's settings ------------------------------------------------------------------------


class _Accounts:
    """An aiosmtpd authenticator with one account."""

    def __init__(self) -> None:
        self.logins: list[str] = []

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login,
            auth_data.password,
        ) == (b"alerts", b"mail server password")
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)


def test_signs_in_to_the_mail_server_when_a_username_is_set(make_app):
    accounts = _Accounts()
    # Plain-text AUTH is allowed here only because the test server is on loopback.
    with SMTPServer(authenticator=accounts, auth_require_tls=False) as server:
        good = _mail_config(
            server.port, MAIL_USERNAME="alerts", MAIL_PASSWORD="mail server password"
        )
        app = make_app(**good)
        with app.app_context():
            screening, _ = _submit()
            assert alerts.try_send(screening.id) is True
            assert accounts.logins == ["alerts"]
            assert len(server.inbox.received) == 1

            other, _ = _submit()
            app.config["MAIL_PASSWORD"] = "wrong"
            assert alerts.try_send(other.id) is False
            alert = db.session.scalar(select(Alert).where(Alert.screening_id == other.id))
            assert alert.attempts == 1
            assert alert.last_error == "SMTPAuthenticationError 535"
            assert len(server.inbox.received) == 1
            db.session.remove()


def test_starttls_refused_by_a_server_without_it_is_a_recorded_failure(make_app, smtp):
    app = make_app(**_mail_config(smtp.port, MAIL_USE_TLS=True))
    with app.app_context():
        screening, _ = _submit()
        assert alerts.try_send(screening.id) is False
        [alert] = _alert_rows()
        assert alert.last_error == "SMTPNotSupportedError"
        assert smtp.inbox.received == []
        db.session.remove()


@pytest.mark.parametrize(
    ("level", "words"),
    [
        ("emergency", "Level: emergency\n(the patient was told to call the emergency number"),
        ("urgent", "Level: urgent\n(the patient was told to contact their doctor today"),
        (None, "Level: not recorded: open the screening to see it"),
    ],
)
def test_the_email_names_the_level_in_plain_words(mail_app, level, words):
    sent = utcnow()
    message = alerts.build_message("SIJ-7K3Q-9XMD", level, sent)
    body = message.get_content()
    assert words in body
    assert f"Sent by the patient: {sent:%d %b %Y %H:%M} UTC" in body
    # Plain 7-bit text with short lines: readable in any mail client, the link never wrapped.
    assert message["Content-Transfer-Encoding"] == "7bit"
    assert all(len(line) <= 78 for line in body.splitlines())


# -- through the patient's pages ------------------------------------------------------------------


def _send_through_the_pages(client, red_flag: bool = True) -> Screening:
    """Start as a patient, answer (stored directly, as other web tests do), and submit."""
    assert client.post("/start").status_code == 302
    answers, _ = _answers(red_flag)
    db.session.execute(
        Screening.__table__.update().values(answers=answers, safety_checked_at=utcnow())
    )
    db.session.commit()
    response = client.post("/check")
    assert response.status_code == 302
    assert response.location == "/confirmation"
    db.session.expire_all()
    return db.session.scalar(select(Screening))


def test_a_patient_submission_with_red_flags_emails_the_clinic_once(mail_app, smtp):
    client = mail_app.test_client()
    screening = _send_through_the_pages(client)
    assert screening.status == "submitted"
    [message] = smtp.inbox.messages()
    assert screening.reference in message["Subject"]
    assert client.get("/confirmation").status_code == 200
    assert len(smtp.inbox.received) == 1


def test_a_patient_submission_without_red_flags_emails_nobody(mail_app, smtp):
    _send_through_the_pages(mail_app.test_client(), red_flag=False)
    assert smtp.inbox.received == []
    assert _alert_rows() == []


def test_the_mail_server_down_never_breaks_the_patients_submission(make_app, smtp):
    app = make_app(**_mail_config(free_port()))
    with app.app_context():
        client = app.test_client()
        screening = _send_through_the_pages(client)
        assert screening.status == "submitted"
        page = client.get("/confirmation")
        assert page.status_code == 200
        assert screening.reference in page.text
        [alert] = _alert_rows()
        assert (alert.attempts, alert.last_error, alert.sent_at) == (
            1,
            "ConnectionRefusedError",
            None,
        )
        app.config["MAIL_PORT"] = smtp.port
        result = app.test_cli_runner().invoke(args=["send-alerts"])
        assert (result.exit_code, result.stdout) == (0, f"sent {screening.reference}\n")
        assert len(smtp.inbox.received) == 1
        db.session.remove()
