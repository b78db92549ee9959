"""Page 1 of the summary, "at a glance": what a specialist looks for, in ten seconds.

Pure: the presenter's rows (the one place answers become words), the questionnaire tree and the
profile tables in; short lines out. The labels here are the specialist's short names for a fact
("How long", "Side"); every value is the presenter's wording of the patient's answer, so an
answer reads the same here, on the check page and in the list of all answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from .definition import Definition
from .presenter import GROUP_SEPARATOR, AnswerRow, AnswerSection


@dataclass(frozen=True)
class Line:
    """One fact: a short label and the patient's answer in words."""

    label: str
    value: str
    provided: bool = True


@dataclass(frozen=True)
class TreatmentLine:
    """One treatment tried: its name, how many weeks, and how it went."""

    treatment: str
    weeks: str
    result: str


@dataclass(frozen=True)
class ProfileLine:
    """One profile's comparison, counted: never a verdict."""

    key: str
    title: str
    counts: str  # "7 of 9 main criteria met, 1 not met, 1 not known"
    not_met: tuple[str, ...]
    unknown: tuple[str, ...]


@dataclass(frozen=True)
class Glance:
    """What page 1 shows besides the red flags and the points to discuss."""

    patient: tuple[Line, ...]
    pain: tuple[Line, ...]
    workup: tuple[Line, ...]
    treatments: tuple[TreatmentLine, ...]
    treatments_note: str  # none tried, or when treatment started
    profiles: tuple[ProfileLine, ...]  # stricter first


L_NAME = _l("Name")
L_BORN = _l("Date of birth")
L_BMI = _l("BMI")
L_APPOINTMENT = _l("Appointment")
L_HOW_LONG = _l("How long")
L_SIDE = _l("Side")
L_WHERE = _l("Where")
L_SEVERITY = _l("Past week")
L_POINTS = _l("Points to the spot (finger test)")
L_NUMBNESS = _l("Leg or foot numbness")
L_EXAM = _l("SI joint exam")
L_INJECTIONS = _l("Numbing injections")
L_SCANS = _l("Scans")


def _by_key(sections: Sequence[AnswerSection]) -> dict[str, AnswerRow]:
    return {row.key: row for section in sections for row in section.rows}


def build(
    answers: Mapping[str, Any],
    sections: Sequence[AnswerSection],
    definition: Definition,
    tables: Sequence[Any],
    treatments: Sequence[Any],
    stricter_first: Sequence[str],
) -> Glance:
    """The at-a-glance facts of a screening of the current questionnaire.

    `sections` are the presenter's rows with derived rows (`present(answers, on=...)`),
    `tables` the summary's profile tables, `treatments` the questionnaire's treatments.
    """
    rows = _by_key(sections)

    def value(key: str) -> str | None:
        row = rows.get(key)
        return row.value if row is not None and row.provided else None

    def line(label: Any, *keys: str, join: str = GROUP_SEPARATOR) -> Line | None:
        asked = [rows[k] for k in keys if k in rows]
        if not asked:
            return None
        given = [r.value for r in asked if r.provided]
        if not given:
            return Line(str(label), asked[0].value, provided=False)
        return Line(str(label), join.join(given))

    patient = [line(L_NAME, "name")]
    born = value("date_of_birth")
    if born is not None and value("age") is not None:
        patient.append(
            Line(str(L_BORN), str(_l("%(day)s (age %(age)s)", day=born, age=value("age"))))
        )
    else:
        patient.append(line(L_BORN, "date_of_birth"))
    bmi = value("bmi")
    if bmi is not None:
        parts = ", ".join(v for v in (value("height_cm"), value("weight_kg")) if v)
        patient.append(Line(str(L_BMI), f"{bmi} ({parts})" if parts else bmi))
    else:
        patient.append(line(L_BMI, "height_cm", "weight_kg"))
    patient.append(line(L_APPOINTMENT, "appointment_date"))

    how_long = value("pain_months")
    started = value("pain_started")
    pain = [
        Line(
            str(L_HOW_LONG), str(_l("%(months)s (since %(month)s)", months=how_long, month=started))
        )
        if how_long and started
        else line(L_HOW_LONG, "pain_started"),
        line(L_SIDE, "pain_side"),
        line(L_WHERE, "pain_locations"),
    ]
    average, interference = value("pain_average"), value("pain_interference")
    if average or interference:
        pain.append(
            Line(
                str(L_SEVERITY),
                str(
                    _l(
                        "average pain %(average)s; gets in the way %(interference)s",
                        average=average or _l("not given"),
                        interference=interference or _l("not given"),
                    )
                ),
            )
        )
    pain += [line(L_POINTS, "points_to_si_joint"), line(L_NUMBNESS, "leg_numbness")]

    # "Yes, they brought on my usual pain" says the exam was done; "No" alone when it was not.
    workup = [line(L_EXAM, "exam_result") if value("exam_result") else line(L_EXAM, "exam_done")]
    tests = value("exam_positive_tests")
    if tests is not None and workup[0] is not None:
        exam = workup[0]
        workup[0] = Line(
            exam.label, exam.value + GROUP_SEPARATOR + str(_l("%(n)s tests positive", n=tests))
        )
    injections = [
        r for k, r in rows.items() if k.startswith("injection_") and k.endswith("_guidance")
    ]
    if injections:
        workup += [Line(r.label, r.value, r.provided) for r in injections]
    else:
        workup.append(line(L_INJECTIONS, "diagnostic_injection"))
    workup.append(line(L_SCANS, "imaging", "imaging_result", "imaging_other_problem"))

    tried = answers.get("treatments_tried") or []
    treatment_lines = []
    for t in treatments:
        if t.key not in tried:
            continue
        result = definition.by_key.get(f"{t.key}_result")
        # Weeks for most; how many and how long it helped for one-off treatments (injections).
        details = [
            q
            for q in definition.questions
            if q.key.startswith(f"{t.key}_") and q is not result and q.is_asked(answers)
        ]
        treatment_lines.append(
            TreatmentLine(
                str(t.label),
                GROUP_SEPARATOR.join(q.in_words(answers.get(q.key)) for q in details),
                result.in_words(answers.get(result.key))
                if result is not None and result.is_asked(answers)
                else "",
            )
        )
    first = value("treatment_started")
    since = value("treatment_months")
    if treatment_lines and first:
        note = str(_l("First treatment: %(month)s (%(months)s ago).", month=first, months=since))
    elif not treatment_lines:
        note = value("treatments_tried") or str(_l("Not provided"))
    else:
        note = ""

    order = {key: i for i, key in enumerate(stricter_first)}
    profiles = tuple(
        ProfileLine(
            t.key,
            t.title,
            t.overall_label,
            tuple(r.title for r in t.rows if r.core and r.status == "not_met"),
            tuple(r.title for r in t.rows if r.core and r.status == "unknown"),
        )
        for t in sorted(tables, key=lambda t: order.get(t.key, len(order)))
    )
    return Glance(
        patient=tuple(p for p in patient if p is not None),
        pain=tuple(p for p in pain if p is not None),
        workup=tuple(w for w in workup if w is not None),
        treatments=tuple(treatment_lines),
        treatments_note=note,
        profiles=profiles,
    )
