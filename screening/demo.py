"""Made-up screenings for trying the clinician side and for the scale benchmark:
`flask --app screening seed-demo N [--seed S]`.

Every screening goes the way a real one goes: answers a patient could give (drawn from the
questionnaire's own choices and ranges, then pruned and checked by the questionnaire), sent with
`drafts.submit` (validation, every profile's evaluation, the red-flag history and alert), on a
moment of the last two years. The clinic's side follows as real use writes it: demo clinicians
sign in, open the worklist, read the screening and its PDF, mark it as reviewed, and record
follow-ups on red flags; each of those is an audit row at its moment.

Names come from many scripts (Latin with accents, Cyrillic, Greek, Arabic, Hebrew, Devanagari,
Chinese, Japanese, Korean, Thai) so that searching, sorting, wrapping and PDFs meet them. The same
`--seed` gives the same answers; references are random as always.

Never in production (the command refuses): the screenings are made up. The demo clinicians'
accounts (`DEMO_DOMAIN`) are disabled, with a random password nobody knows.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, text, update

from . import accounts, drafts, questionnaire
from .accounts import Actor
from .alerts import SUBMISSION_ACTOR
from .audit import as_utc
from .engine import red_flag_level
from .extensions import db
from .models import Alert, AuditEvent, FollowUp, Screening

DEMO_DOMAIN = "demo.example"
DEMO_CLINICIANS = tuple(f"demo.clinician{i}@{DEMO_DOMAIN}" for i in range(1, 5))
DAYS = 730  # sent over the last two years
RED_FLAG_RATE = 0.04  # a few per cent send a red flag
BATCH = 250  # screenings per transaction

# Given and family names by script, as people write them.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "latin": (
        (
            "Alex",
            "Maria",
            "José",
            "Chloé",
            "Zoë",
            "Søren",
            "Łukasz",
            "Ayşe",
            "Siobhán",
            "Nguyễn",
            "Björn",
            "Anaïs",
            "Tomás",
            "Grace",
            "Oluwaseun",
            "Mohammed",
            "Priya",
            "Jean-Luc",
            "Ines",
            "Dorota",
            "Mary",
            "John",
            "Sarah",
            "David",
            "Fatima",
            "Kwame",
            "Aroha",
        ),
        (
            "Smith",
            "García",
            "Müller",
            "O'Brien",
            "Nowak",
            "Kowalczyk",
            "Jørgensen",
            "Dubois",
            "Rossi",
            "Silva",
            "Öztürk",
            "Nguyen",
            "Okafor",
            "Ní Bhriain",
            "van der Berg",
            "Jones",
            "Fernández-López",
            "Williams",
            "Hernández",
            "Björklund",
            "Mensah",
            "Ngata",
            "Patel",
        ),
    ),
    "cyrillic": (
        ("Анна", "Иван", "Ольга", "Дмитрий", "Мария", "Сергей", "Олена", "Богдан"),
        ("Иванова", "Петров", "Смирнова", "Коваленко", "Шевченко", "Попов", "Соколова"),
    ),
    "greek": (
        ("Γιώργος", "Μαρία", "Ελένη", "Νίκος", "Κατερίνα"),
        ("Παπαδόπουλος", "Οικονόμου", "Γεωργίου", "Νικολάου"),
    ),
    "arabic": (
        ("محمد", "فاطمة", "أحمد", "ليلى", "يوسف", "مريم"),
        ("الحسن", "عبد الله", "المصري", "حداد", "النجار"),
    ),
    "hebrew": (("נועה", "דוד", "מיכל", "יוסף"), ("כהן", "לוי", "מזרחי", "פרץ")),
    "devanagari": (("प्रिया", "राहुल", "अनीता", "विजय"), ("शर्मा", "वर्मा", "गुप्ता", "सिंह")),
    "chinese": (("伟", "芳", "秀英", "建国", "丽"), ("王", "李", "张", "刘", "陈")),
    "japanese": (("さくら", "太郎", "陽菜", "健太"), ("佐藤", "鈴木", "高橋", "田中")),
    "korean": (("민준", "서연", "지우", "하은"), ("김", "이", "박", "최")),
    "thai": (("สมชาย", "สมหญิง", "มาลี"), ("ใจดี", "สุขใจ", "ศรีสุข")),
}
# How often each script is drawn (most patients write their name in Latin letters).
SCRIPT_WEIGHTS = {
    "latin": 70,
    "cyrillic": 6,
    "greek": 3,
    "arabic": 5,
    "hebrew": 2,
    "devanagari": 4,
    "chinese": 4,
    "japanese": 2,
    "korean": 2,
    "thai": 2,
}
# Written family name first, without a space.
FAMILY_FIRST = {"chinese", "japanese", "korean"}

ACTIVITIES = (
    "Putting on socks",
    "Walking to the shops",
    "Getting out of the car",
    "Sitting at work",
    "Climbing stairs",
    "Playing with my grandchildren",
    "Gardening",
    "Sleeping through the night",
    "Lifting my child",
    "Driving for an hour",
    "Caminar al mercado",
    "Ponerme los zapatos",
)
NOTES = (
    None,
    None,
    "Left a voicemail.",
    "Advised to call 999 if it gets worse.",
    "Booked an earlier appointment.",
    "Spoke with the patient; GP informed.",
)


@dataclass(frozen=True)
class Seeded:
    """What `seed` made."""

    screenings: int
    red_flags: int
    audit_rows: int
    first: dt.datetime | None
    last: dt.datetime | None


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _some(rng: random.Random, values: Sequence[str], p: float, at_least: int = 0) -> list[str]:
    chosen = [v for v in values if rng.random() < p]
    while len(chosen) < at_least:
        extra = rng.choice(values)
        chosen = [v for v in values if v in chosen or v == extra]
    return chosen


def _multi(
    rng: random.Random, key: str, p: float, at_least: int = 1, alone: float = 0.0
) -> list[str]:
    """Some of a multi-choice question's values, each with probability p (at least
    `at_least`); its value that stands alone ("none"), alone, with probability `alone`."""
    question = questionnaire.BY_KEY[key]
    if question.exclusive and rng.random() < alone:
        return [question.exclusive]
    values = [c.value for c in question.choices if c.value != question.exclusive]
    return _some(rng, values, p, at_least)


def _maybe(rng: random.Random, p: float, value: Any) -> Any:
    """The value, or None (unanswered) with probability 1 - p."""
    return value if rng.random() < p else None


def _month(day: dt.date, months_back: int) -> str:
    index = day.year * 12 + day.month - 1 - months_back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def demo_name(rng: random.Random) -> str:
    """A full name in one of NAMES' scripts."""
    script = _weighted(rng, SCRIPT_WEIGHTS)
    given, family = (rng.choice(names) for names in NAMES[script])
    if script in FAMILY_FIRST:
        return family + given
    return f"{given} {family}"


def demo_answers(rng: random.Random, today: dt.date) -> dict[str, Any]:
    """One patient's answers as sent on `today`: pruned to the questions asked and checked by
    the questionnaire (AnswerError if this generator ever drew what a patient could not send)."""
    a: dict[str, Any] = {key: "no" for key in drafts.safety_keys()}
    if rng.random() < RED_FLAG_RATE:
        for key in rng.sample(drafts.safety_keys(), rng.choice((1, 1, 1, 2, 3))):
            a[key] = "yes"
    age = int(rng.triangular(22, 88, 58))
    born = today - dt.timedelta(days=age * 365 + rng.randrange(365))
    height = int(rng.gauss(170, 10))
    a |= {
        "name": _maybe(rng, 0.98, demo_name(rng)),
        "date_of_birth": _maybe(rng, 0.95, born.isoformat()),
        "height_cm": _maybe(rng, 0.93, min(max(height, 140), 205)),
        "weight_kg": _maybe(rng, 0.9, min(max(int(rng.gauss(height - 95, 16)), 40), 180)),
        "appointment_date": _maybe(
            rng, 0.8, (today + dt.timedelta(days=rng.randint(3, 90))).isoformat()
        ),
    }
    pain_months = int(rng.triangular(1, 180, 18))
    a |= {
        "pain_started": _month(today, pain_months),
        "pain_locations": _multi(rng, "pain_locations", 0.45),
        "pain_side": _maybe(rng, 0.95, rng.choice(("left", "right", "both", "middle"))),
        "leg_numbness": _maybe(rng, 0.9, rng.choice(("yes", "no", "no", "not_sure"))),
        "pain_triggers": _multi(rng, "pain_triggers", 0.4, at_least=0, alone=0.05),
        "points_to_si_joint": _maybe(rng, 0.9, rng.choice(("yes", "yes", "no", "not_sure"))),
        "pain_causes": _multi(rng, "pain_causes", 0.2, at_least=0, alone=0.15),
        "pain_average": rng.randint(2, 10),
        "pain_interference": rng.randint(1, 10),
    }
    for i, activity in enumerate(rng.sample(ACTIVITIES, rng.choice((0, 1, 2, 2, 3))), start=1):
        a[f"activity_{i}"] = activity
        a[f"activity_{i}_score"] = _maybe(rng, 0.95, rng.randint(0, 8))
    _treatments(rng, a, today, pain_months)
    _tests(rng, a)
    a |= {
        "other_conditions": _multi(rng, "other_conditions", 0.12, alone=0.6),
        "previous_lumbar_fusion": _maybe(rng, 0.95, rng.choice(("no",) * 8 + ("yes",))),
        "previous_si_fusion": _maybe(rng, 0.95, rng.choice(("no",) * 15 + ("yes",))),
        "pregnancy": _maybe(
            rng,
            0.9,
            rng.choice(
                ("not_applicable",) * 6
                + ("no", "no", "no", "gave_birth_last_year", "planning_pregnancy", "pregnant_now")
            ),
        ),
        "metal_allergy": _maybe(rng, 0.9, rng.choice(("no",) * 12 + ("yes", "not_sure"))),
        "regular_opioids": _maybe(rng, 0.9, rng.choice(("no", "no", "no", "yes"))),
        "nicotine_use": _maybe(rng, 0.95, rng.choice(("no", "no", "no", "no", "yes"))),
    }
    kept = {key: value for key, value in a.items() if value is not None and value != []}
    return dict(questionnaire.validate(questionnaire.prune(kept), today))


RESULTS = ("lasting_relief", "temporary_relief", "no_relief", "worse")


def _treatments(rng: random.Random, a: dict[str, Any], today: dt.date, pain_months: int) -> None:
    tried = _multi(rng, "treatments_tried", 0.45, alone=0.04)
    a["treatments_tried"] = tried
    if tried == ["none"]:
        return

    def result() -> str:
        return rng.choices(RESULTS, weights=(1, 6, 6, 1))[0]

    for t in tried:
        if t == "steroid_injection":
            a |= {
                "steroid_injection_count": rng.randint(1, 5),
                "steroid_injection_relief_weeks": _maybe(rng, 0.7, rng.randint(0, 16)),
            }
        elif t != "radiofrequency_ablation":
            a[f"{t}_weeks"] = rng.choice((2, 4, 6, 8, 12, 12, 16, 24, 26, 52))
        a[f"{t}_result"] = result()
    a["treatment_started"] = _month(today, rng.randint(0, max(pain_months - 1, 0)))


def _tests(rng: random.Random, a: dict[str, Any]) -> None:
    a["exam_done"] = _maybe(rng, 0.95, rng.choice(("yes", "yes", "no", "not_sure")))
    a["exam_result"] = rng.choice(("reproduced_pain", "reproduced_pain", "did_not", "not_told"))
    a["exam_positive_tests"] = _maybe(rng, 0.6, rng.randint(0, 6))
    a["imaging"] = _multi(rng, "imaging", 0.5, alone=0.15)
    a["imaging_result"] = rng.choice(("si_joint_changes", "other_problem", "normal", "not_told"))
    a["imaging_other_problem"] = _multi(rng, "imaging_other_problem", 0.3, alone=0.1)
    a["diagnostic_injection"] = rng.choice(("yes", "yes", "yes", "no", "no", "not_sure"))
    count = rng.choice((1, 1, 2, 2, 2, 3))
    a["diagnostic_injection_count"] = count
    for i in range(1, count + 1):
        a |= {
            f"injection_{i}_guidance": rng.choice(
                ("xray_or_ct",) * 5 + ("ultrasound", "none", "not_sure")
            ),
            f"injection_{i}_relief": rng.choice((0, 20, 30, 50, 60, 70, 75, 80, 80, 90, 100)),
            f"injection_{i}_relief_lasted": rng.choice(
                ("under_an_hour", "a_few_hours", "a_few_hours", "a_day_or_more", "not_sure")
            ),
        }


# --- the clinic's side ---------------------------------------------------------------------------


def demo_clinicians() -> list[Actor]:
    """The demo accounts (made once, disabled, with a random password nobody is told)."""
    found = []
    for email in DEMO_CLINICIANS:
        clinician = accounts.find(email)
        if clinician is None:
            clinician = accounts.create(email, secrets.token_urlsafe(24))
            clinician.disabled = True
        found.append(clinician)
    db.session.flush()
    return [Actor.of(c) for c in found]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _sent(rng: random.Random, moment: dt.datetime, replaces: str | None = None) -> Screening:
    """A draft answered over a few minutes before `moment` and sent at `moment`."""
    day = moment.date()
    answers = demo_answers(rng, day)
    screening = drafts.create_draft(replaces=replaces)
    started = moment - dt.timedelta(minutes=rng.randint(4, 40))
    screening.created_at = started
    screening.answers = answers
    level = red_flag_level(answers)
    if level:  # the safety pages recorded the answers and the advice shown, as the journey does
        history = drafts.red_flag_changes([], answers, started)
        screening.red_flag_history = [*history, {"advised": level, "at": _iso(started)}]
        screening.safety_checked_at = started
    db.session.flush()
    language = "es" if rng.random() < 0.08 else "en"
    return drafts.submit(screening, language=language, now=moment)


AuditRow = dict[str, Any]


def _clinic_work(
    rng: random.Random, s: Screening, team: list[Actor], now: dt.datetime
) -> list[AuditRow]:
    """What the clinic did about a sent screening, up to `now`: audit rows to insert (and the
    review, the alert and follow-ups written on the way)."""
    if s.submitted_at is None or s.reference is None:
        raise ValueError("only a sent screening has the clinic's work")
    sent = as_utc(s.submitted_at)
    rows: list[AuditRow] = []

    def row(action: str, who: Actor | None, at: dt.datetime, **extra: Any) -> None:
        if at <= now:
            rows.append(
                {
                    "action": action,
                    "actor_id": who.id if who else None,
                    "actor_email": who.email if who else SUBMISSION_ACTOR,
                    "at": at,
                    "screening_reference": extra.get("reference"),
                    "detail": extra.get("detail"),
                    "ip": f"10.0.{team.index(who) if who else 0}.{rng.randint(2, 250)}"
                    if who
                    else None,
                }
            )

    if s.has_red_flags:
        alert = db.session.scalar(select(Alert).where(Alert.screening_id == s.id))
        if alert is not None:
            db.session.execute(
                update(Alert)
                .where(Alert.id == alert.id)
                .values(sent_at=sent + dt.timedelta(seconds=20), attempts=1)
            )
            row(
                "alert_sent",
                None,
                sent + dt.timedelta(seconds=20),
                reference=s.reference,
                detail="attempt=1",
            )
    age = now - sent
    p_review = 0.95 if age > dt.timedelta(days=14) else 0.6 if age > dt.timedelta(days=2) else 0.15
    if s.has_red_flags:
        p_review = max(p_review, 0.9)
    if rng.random() >= p_review:
        return rows
    who = rng.choice(team)
    delay = dt.timedelta(
        minutes=rng.randint(20, 240) if s.has_red_flags else rng.randint(60, 4 * 24 * 60)
    )
    at = min(sent + delay, now - dt.timedelta(minutes=15))
    if at <= sent:
        return rows
    row("sign_in", who, at - dt.timedelta(minutes=3))
    row(
        "worklist",
        who,
        at - dt.timedelta(minutes=2),
        detail=f"query=no outcome=any reviewed=any red_flags=any sort=red_flags page=1 "
        f"results={rng.randint(5, 60)} shown={s.reference}",
    )
    row("view", who, at, reference=s.reference)
    row(
        rng.choice(("pdf_download", "view_summary")),
        who,
        at + dt.timedelta(minutes=1),
        reference=s.reference,
    )
    if s.has_red_flags:
        action = rng.choice(
            ("patient_contacted", "patient_contacted", "no_answer", "advised_emergency_care")
        )
        note = rng.choice(NOTES)
        db.session.add(
            FollowUp(
                screening_id=s.id,
                clinician_id=who.id,
                action=action,
                note=note,
                created_at=at + dt.timedelta(minutes=5),
            )
        )
        row(
            "follow_up",
            who,
            at + dt.timedelta(minutes=5),
            reference=s.reference,
            detail=f"action={action} note={'yes' if note else 'no'}",
        )
    reviewed = at + dt.timedelta(minutes=6)
    db.session.execute(
        update(Screening)
        .where(Screening.id == s.id)
        .values(reviewed_at=reviewed, reviewed_by_id=who.id)
        .execution_options(synchronize_session=False)
    )
    row("review", who, reviewed, reference=s.reference)
    row("sign_out", who, reviewed + dt.timedelta(minutes=rng.randint(1, 30)))
    return rows


def seed(
    n: int,
    seed_value: int | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> Seeded:
    """Add n made-up sent screenings, sent over the DAYS before `now`, with the clinic's work on
    them; committed every BATCH screenings. The same seed gives the same answers and moments."""
    rng = random.Random(seed_value)  # noqa: S311 - made-up answers, not secrets
    end = now or dt.datetime.now(dt.UTC)
    start = end - dt.timedelta(days=DAYS)
    team = demo_clinicians()
    moments = sorted(start + dt.timedelta(seconds=rng.uniform(0, DAYS * 86400)) for _ in range(n))
    made = red = audited = 0
    earlier: list[str] = []
    for first in range(0, n, BATCH):
        rows: list[AuditRow] = []
        for moment in moments[first : first + BATCH]:
            # Now and then a patient sends again and starts a new screening that replaces theirs.
            replaces = rng.choice(earlier[-50:]) if earlier and rng.random() < 0.01 else None
            s = _sent(rng, moment.replace(microsecond=0), replaces)
            earlier.append(s.reference or "")
            made += 1
            red += s.has_red_flags
            rows += _clinic_work(rng, s, team, end)
        if rows:
            db.session.execute(insert(AuditEvent), rows)
            audited += len(rows)
        db.session.commit()
        db.session.expunge_all()
        if progress:
            progress(made)
    # Fresh statistics for the planner, as after a day's use (SQLite gathers none by itself;
    # PostgreSQL's autovacuum would, later).
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return Seeded(
        made, red, audited, moments[0] if moments else None, moments[-1] if moments else None
    )
