"""What the service worked out from a screening, as FHIR R4 resources: comparisons, points to
discuss and red flags. Statuses and counts, never a diagnosis, a prediction or a decision.

- **Comparison** (`Observation`, one per profile of the screening's release, stricter first):
  code `criteria-comparison`, `method` the profile, components with the criteria version and the
  main criteria counted (`main-met`, `main-not-met`, `main-unknown`, `main-total`, integers), a
  note with the counts in words, and `hasMember` one Observation per criterion.
- **Criterion** (`Observation`, one per criterion of each profile): code the criterion id,
  `method` the profile, `valueCodeableConcept` its status (`met`, `not_met`, `unknown`), a
  component `main-criterion` (boolean: whether it counts towards the main criteria) and a note
  with the requirement and the answer in words.
- **Point to discuss** (`Observation`, one per flag raised, the same for every profile): code the
  flag id, `valueString` the flag's sentence; a flag that could not be checked (an answer missing
  or "not sure") has no value and `dataAbsentReason` asked-unknown.
- **Red flag** (`Flag`, one per red flag raised): status active, category clinical, code the red
  flag id (display: the words for the specialist; text: its level and those words), the level as
  the extension `red-flag-level` and as the standard `flag-priority` (emergency PH, urgent PM),
  `flag-detail` pointing at the QuestionnaireResponse, period starting when it was sent. A
  hospital finds the urgent screenings by Flag alone; a screening without red flags has none.

Every one has the Patient as subject, the QuestionnaireResponse as `derivedFrom` (Observations),
a narrative, and a stable identifier (`<reference>/<profile>/<criterion>` and the like) from which
its entry UUID is made. The overall code (`consistent`, ...) is not exported: the counts and
statuses carry everything it is made from, and a code that reads as an outcome is not a result.

The codes are local, in code systems under the product's constant canonical base (not the
clinic's `FHIR_CANONICAL_BASE`): `code_systems()` gives them as CodeSystem resources, complete
for every release.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .. import counts, criteria, follow_up, releases
from ..models import Screening
from . import common
from .common import _utc, canonical_base, extension_url
from .patient import identifier, narrative, patient_reference, reference_to
from .response import response_identifier

# The product's constant canonical base (the terminology's, never the clinic's): the result codes
# are the same at every clinic.
PRODUCT_BASE: str = getattr(common, "PRODUCT_BASE", common.DEFAULT_CANONICAL_BASE)

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
FLAG_PRIORITY = "http://hl7.org/fhir/StructureDefinition/flag-priority"
FLAG_PRIORITY_CODES = "http://hl7.org/fhir/flag-priority-code"
FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"

# The version of the result code systems: the current criteria version (their codes come from the
# criteria data of every release).
CODE_SYSTEM_VERSION = criteria.CRITERIA_VERSION

# Red-flag level -> flag-priority code and display.
PRIORITIES = {"emergency": ("PH", "High priority"), "urgent": ("PM", "Medium priority")}

NOT_A_DIAGNOSIS = (
    "Answers compared with selection criteria for discussion with a specialist; "
    "not a diagnosis and not a decision about treatment."
)


def system(name: str) -> str:
    """The URL of one of the result code systems."""
    return f"{PRODUCT_BASE}/CodeSystem/si-joint-screening-{name}"


# The result code systems: name -> (title, description).
CODE_SYSTEMS: dict[str, tuple[str, str]] = {
    "result": (
        "SI joint screening result codes",
        "What an Observation of a screening's results holds, and its components.",
    ),
    "criteria-profile": (
        "SI joint screening criteria profiles",
        "The sets of selection criteria a screening's answers are compared with.",
    ),
    "criterion": (
        "SI joint screening criteria",
        "The selection criteria, by id, of every profile and release.",
    ),
    "criterion-status": (
        "SI joint screening criterion statuses",
        "How the answers compare with one criterion; never a diagnosis.",
    ),
    "point-to-discuss": (
        "SI joint screening points to discuss",
        "Points for the specialist to discuss, raised by the answers.",
    ),
    "red-flag": (
        "SI joint screening red flags",
        "Safety answers that call for urgent or emergency care, by question key (and the "
        "checklist values of questionnaire 2026.11).",
    ),
}

RESULT_CODES = {
    "criteria-comparison": "Answers compared with selection criteria",
    "criteria-version": "Criteria version",
    "main-met": "Main criteria met",
    "main-not-met": "Main criteria not met",
    "main-unknown": "Main criteria not known",
    "main-total": "Main criteria compared",
    "main-criterion": "Counts towards the main criteria",
}


def _coding(name: str, code: str, display: str) -> dict[str, str]:
    return {"system": system(name), "code": code, "display": display}


def _concept(name: str, code: str, display: str, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [_coding(name, code, display)]}
    if text:
        concept["text"] = text
    return concept


def _result(code: str) -> dict[str, Any]:
    return _concept("result", code, RESULT_CODES[code])


def _ident(kind: str, value: str) -> dict[str, str]:
    """A result's identifier, in the clinic's system for that kind of result."""
    return identifier(f"{canonical_base()}/screening-{kind}", value)


def _survey() -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}]


def _sent(screening: Screening) -> str:
    if screening.submitted_at is None:
        raise ValueError("only submitted screenings are exported")
    return _utc(screening.submitted_at).isoformat(timespec="seconds")


def _status_label(release: releases.Release, status: str) -> str:
    labels = getattr(release.criteria, "STATUS_LABELS", {})
    return str(labels[status]) if status in labels else status


def _observation(
    screening: Screening, ident: dict[str, str], code: dict[str, Any]
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "text": {},  # filled by the caller
        "identifier": [ident],
        "status": "final",
        "category": _survey(),
        "code": code,
        "subject": patient_reference(screening),
        "effectiveDateTime": _sent(screening),
        "issued": _sent(screening),
        "derivedFrom": [reference_to("QuestionnaireResponse", response_identifier(screening))],
    }


def comparisons(screening: Screening) -> list[dict[str, Any]]:
    """Per profile of the screening's release (stricter first): the comparison Observation, then
    one Observation per criterion."""
    release = releases.of(screening.questionnaire_version)
    seen = counts.overview(
        screening.evaluation,
        screening.other_evaluations,
        questionnaire_version=screening.questionnaire_version,
        answers=screening.answers,
        submitted_on=_utc(screening.submitted_at).date() if screening.submitted_at else None,
    )
    stored = _stored_evaluations(screening)
    out: list[dict[str, Any]] = []
    for profile in seen.profiles:
        evaluation = stored.get(profile.key)
        if evaluation is None:  # worked out again from the answers, as the summary does
            on = _utc(screening.submitted_at).date() if screening.submitted_at else dt.date.today()
            evaluation = release.engine.evaluate(screening.answers or {}, profile.key, on=on)
            evaluation = evaluation.as_dict()
        version = str(evaluation.get("criteria_version") or screening.criteria_version or "")
        method = _concept("criteria-profile", profile.key, profile.title)
        members = []
        for c in evaluation.get("criteria") or []:
            criterion = _criterion(screening, release, profile.key, method, c)
            members.append(criterion)
        c = profile.counts
        ident = _ident("comparison", f"{screening.reference}/{profile.key}")
        comparison = _observation(screening, ident, _result("criteria-comparison"))
        comparison["method"] = method
        comparison["note"] = [{"text": profile.in_words()}, {"text": NOT_A_DIAGNOSIS}]
        comparison["component"] = [
            {"code": _result("criteria-version"), "valueString": version},
            {"code": _result("main-met"), "valueInteger": c.met},
            {"code": _result("main-not-met"), "valueInteger": c.not_met},
            {"code": _result("main-unknown"), "valueInteger": c.unknown},
            {"code": _result("main-total"), "valueInteger": c.total},
        ]
        comparison["hasMember"] = [reference_to("Observation", m["identifier"][0]) for m in members]
        comparison["text"] = narrative(
            f"SI joint screening {screening.reference}: {profile.title}",
            [
                ("Criteria version", version),
                ("Main criteria", profile.counts.in_words()),
                *(
                    (m["code"]["coding"][0]["display"], m["valueCodeableConcept"]["text"])
                    for m in members
                ),
            ],
            NOT_A_DIAGNOSIS,
        )
        out += [comparison, *members]
    return out


def _stored_evaluations(screening: Screening) -> dict[str, Mapping[str, Any]]:
    stored: dict[str, Mapping[str, Any]] = {}
    if screening.evaluation:
        stored[str(screening.evaluation.get("profile"))] = screening.evaluation
    stored.update({k: v for k, v in (screening.other_evaluations or {}).items() if v})
    return stored


def _criterion(
    screening: Screening,
    release: releases.Release,
    profile: str,
    method: dict[str, Any],
    c: Mapping[str, Any],
) -> dict[str, Any]:
    cid, status = str(c.get("id")), str(c.get("status"))
    title = str(c.get("title") or cid)
    label = _status_label(release, status)
    ident = _ident("criterion", f"{screening.reference}/{profile}/{cid}")
    obs = _observation(screening, ident, _concept("criterion", cid, title))
    obs["method"] = method
    obs["valueCodeableConcept"] = _concept("criterion-status", status, label, label)
    obs["component"] = [{"code": _result("main-criterion"), "valueBoolean": bool(c.get("core"))}]
    rows = [("Status", label), ("Main criterion", "yes" if c.get("core") else "no")]
    notes = []
    if c.get("requirement"):
        rows.append(("Requirement", str(c["requirement"])))
        notes.append(f"Requirement: {c['requirement']}")
    if c.get("answer"):
        rows.append(("The patient's answers", str(c["answer"])))
        notes.append(f"The patient's answers: {c['answer']}")
    if notes:
        obs["note"] = [{"text": n} for n in notes]
    obs["text"] = narrative(f"{title} ({method['coding'][0]['display']})", rows)
    return obs


def points_to_discuss(screening: Screening) -> list[dict[str, Any]]:
    """One Observation per point to discuss raised (its sentence as the value), then one per
    point that could not be checked (no value, data absent: asked-unknown)."""
    release = releases.of(screening.questionnaire_version)
    flags = getattr(release.criteria, "FLAGS", {})
    evaluation = screening.evaluation or {}
    out = []

    def title_of(fid: str) -> str:
        return _flag_title(fid, flags)

    for raised in evaluation.get("flags") or []:
        fid = str(raised["id"]) if isinstance(raised, Mapping) else str(raised)
        sentence = str(raised.get("text") or "") if isinstance(raised, Mapping) else ""
        title = title_of(fid)
        ident = _ident("point-to-discuss", f"{screening.reference}/{fid}")
        obs = _observation(screening, ident, _concept("point-to-discuss", fid, title))
        obs["valueString"] = sentence or title
        obs["text"] = narrative("Point to discuss", [(title, sentence or title)])
        out.append(obs)
    for unknown in evaluation.get("flags_unknown") or []:
        fid = str(unknown["id"]) if isinstance(unknown, Mapping) else str(unknown)
        title = title_of(fid)
        ident = _ident("point-to-discuss", f"{screening.reference}/{fid}")
        obs = _observation(screening, ident, _concept("point-to-discuss", fid, title))
        obs["dataAbsentReason"] = {
            "coding": [
                {
                    "system": DATA_ABSENT_REASON,
                    "code": "asked-unknown",
                    "display": "Asked But Unknown",
                }
            ]
        }
        words = "Not known: an answer it reads was not given or was 'not sure'."
        obs["note"] = [{"text": words}]
        obs["text"] = narrative("Point to discuss, not known", [(title, words)])
        out.append(obs)
    return out


def _flag_title(fid: str, flags: Mapping[str, Any]) -> str:
    """A point to discuss in a few words: its title (the current criteria's, for a flag of an
    earlier release that had none), else its sentence, else its id."""
    for flag in (flags.get(fid), criteria.FLAGS.get(fid)):
        if flag is not None and getattr(flag, "title", None) is not None:
            return str(flag.title)
    flag = flags.get(fid)
    return str(flag.text_in_words()) if flag is not None else fid


def red_flags(screening: Screening) -> list[dict[str, Any]]:
    """One Flag per red flag raised, emergency first; none when there are none."""
    out = []
    response = reference_to("QuestionnaireResponse", response_identifier(screening))
    for flag in follow_up.red_flags_of(screening):
        priority, priority_display = PRIORITIES.get(flag.level, PRIORITIES["emergency"])
        out.append(
            {
                "resourceType": "Flag",
                "text": narrative(
                    f"{flag.level_label}: {flag.text}",
                    [
                        ("Screening reference", str(screening.reference)),
                        ("Level", flag.level_label),
                        ("Sent", _sent(screening)),
                    ],
                    "The patient answered yes to a safety question and was shown the advice of "
                    "this level.",
                ),
                "extension": [
                    {
                        "url": FLAG_PRIORITY,
                        "valueCodeableConcept": {
                            "coding": [
                                {
                                    "system": FLAG_PRIORITY_CODES,
                                    "code": priority,
                                    "display": priority_display,
                                }
                            ]
                        },
                    },
                    {"url": extension_url("red-flag-level"), "valueCode": flag.level},
                    {"url": FLAG_DETAIL, "valueReference": dict(response)},
                ],
                "identifier": [_ident("red-flag", f"{screening.reference}/{flag.id}")],
                "status": "active",
                "category": [
                    {
                        "coding": [
                            {"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}
                        ]
                    }
                ],
                "code": _concept(
                    "red-flag", flag.id, flag.text, f"{flag.level_label}: {flag.text}"
                ),
                "subject": patient_reference(screening),
                "period": {"start": _sent(screening)},
            }
        )
    return out


def fhir_results(screening: Screening) -> list[dict[str, Any]]:
    """Every result resource of a submitted screening: red flags (Flag), the comparisons of
    every profile with their criteria, the points to discuss (Observation)."""
    if not screening.is_submitted or screening.submitted_at is None:
        raise ValueError("only submitted screenings are exported")
    return [*red_flags(screening), *comparisons(screening), *points_to_discuss(screening)]


# --- the code systems ---------------------------------------------------------------------------


def _concepts(name: str) -> list[dict[str, str]]:
    """The codes of one result code system, every release's, current first."""
    found: dict[str, str] = {}
    every = releases.every()
    if name == "result":
        found.update(RESULT_CODES)
    for r in every:
        c = r.criteria
        if name == "criteria-profile":
            found.update({k: str(p.title) for k, p in c.PROFILES.items() if k not in found})
        elif name == "criterion":
            for p in c.PROFILES.values():
                found.update({x.id: str(x.title) for x in p.criteria if x.id not in found})
        elif name == "criterion-status":
            labels = getattr(c, "STATUS_LABELS", {})
            found.update({k: str(v) for k, v in labels.items() if k not in found})
        elif name == "point-to-discuss":
            flags = getattr(c, "FLAGS", {})
            found.update({k: _flag_title(k, flags) for k in flags if k not in found})
        elif name == "red-flag":
            for k, f in getattr(c, "RED_FLAGS", {}).items():
                found.setdefault(k, str(f.text))
            checklist = r.questionnaire.by_key.get("red_flags")
            if checklist is not None:
                for choice in checklist.choices:
                    if choice.value != checklist.exclusive:
                        found.setdefault(choice.value, str(choice.label))
    return [{"code": k, "display": v} for k, v in found.items()]


def code_systems() -> list[dict[str, Any]]:
    """The result code systems as complete CodeSystem resources (every release's codes)."""
    out = []
    for name, (title, description) in CODE_SYSTEMS.items():
        concepts = _concepts(name)
        out.append(
            {
                "resourceType": "CodeSystem",
                "text": narrative(
                    title, [(c["code"], c["display"]) for c in concepts], description
                ),
                "url": system(name),
                "version": CODE_SYSTEM_VERSION,
                "name": "SIJointScreening" + "".join(w.title() for w in name.split("-")),
                "title": title,
                "status": "active",
                "experimental": False,
                "description": description,
                "caseSensitive": True,
                "content": "complete",
                "count": len(concepts),
                "concept": concepts,
            }
        )
    return out
