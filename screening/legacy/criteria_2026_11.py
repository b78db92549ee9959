"""Criteria 2026.11-2, frozen with questionnaire 2026.11.

Never edit: screenings submitted under questionnaire 2026.11 render with these rules and words
(their stored evaluations, and anything worked out again from their answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..i18n import lazy_gettext as _l

CRITERIA_VERSION = "2026.11-2"
DEFAULT_PROFILE = "documents"


@dataclass(frozen=True)
class Source:
    """Where a threshold comes from: a seed document (with the sentence) or a published policy."""

    document: str
    says: str

    def as_dict(self) -> dict[str, str]:
        """The source as plain data."""
        return {"document": self.document, "says": self.says}


@dataclass(frozen=True)
class Criterion:
    """One criterion of a profile: the rule that checks it, its thresholds and its source."""

    id: str
    rule: str
    core: bool
    title: Any
    requirement: Any  # wording with %(name)s placeholders filled from params
    source: Source
    params: dict[str, Any] = field(default_factory=dict)

    def requirement_text(self) -> str:
        """The requirement in words, with this profile's thresholds filled in."""
        return str(self.requirement) % self.params if self.params else str(self.requirement)


@dataclass(frozen=True)
class Check:
    """One test on an answer, or on a value worked out from answers (`bmi`, `age`).

    `value` is an answer value, a tuple of them (`any_of`), or for `lt`/`gte` a number or the
    name of a threshold in THRESHOLDS. `missing` is the result when the answer is not given.
    """

    key: str
    op: Literal["eq", "ne", "any_of", "empty", "nonempty", "lt", "gte"]
    value: Any = None
    missing: bool = False


# When a flag or a question to ask applies: any of the alternatives, each all of its tests.
When = tuple[tuple[Check, ...], ...]


def one(*tests: Check) -> When:
    """A condition of one alternative: all of these tests."""
    return (tests,)


def either(*tests: Check) -> When:
    """A condition of several alternatives: any one of these tests."""
    return tuple((t,) for t in tests)


@dataclass(frozen=True)
class Flag:
    """A point for the specialist to discuss: when it applies, its sentence and its source."""

    id: str
    text: Any  # %(name)s placeholders are filled from THRESHOLDS: no number is written twice
    source: Source
    when: When

    def text_in_words(self) -> str:
        """The sentence with its thresholds filled in."""
        return _fill(self.text)


@dataclass(frozen=True)
class Prompt:
    """A question the patient may want to ask the specialist, and when it is suggested."""

    id: str
    text: Any
    when: When = ()  # empty: always
    # Suggested only while fewer than this many come before it (keep the list short to read).
    only_if_fewer_than: int | None = None

    def text_in_words(self) -> str:
        """The question with its thresholds filled in."""
        return _fill(self.text)


_OPS = {"eq": "=", "ne": "≠", "lt": "<", "gte": "≥"}


def describe(when: When) -> str:
    """A rule's condition for the criteria document, like `pain_side` = `both`."""

    def one_test(t: Check) -> str:
        if t.op == "any_of":
            text = f"`{t.key}` includes any of {', '.join(f'`{v}`' for v in t.value)}"
        elif t.op in ("empty", "nonempty"):
            text = f"`{t.key}` {'has nothing selected' if t.op == 'empty' else 'has any value selected'}"
        elif isinstance(t.value, str) and t.op in ("lt", "gte"):
            text = f"`{t.key}` {_OPS[t.op]} {THRESHOLDS[t.value]} (`{t.value}`)"
        else:
            text = f"`{t.key}` {_OPS[t.op]} `{t.value}`"
        return text + (" or not answered" if t.missing else "")

    if not when:
        return "always"
    return " or ".join(
        "(" + " and ".join(one_test(t) for t in tests) + ")"
        if len(tests) > 1
        else one_test(tests[0])
        for tests in when
    )


def _fill(text: Any) -> str:
    words = str(text)
    return words % THRESHOLDS if "%(" in words else words


@dataclass(frozen=True)
class Profile:
    """A named set of criteria."""

    key: str
    title: Any
    description: Any
    criteria: tuple[Criterion, ...]


SEED_000 = "000_f0eec268d15cfd81.txt"
SEED_002 = "002_ca83e156e08205ed.txt"
SEED_003 = "003_8fcf4106468b0df7.txt"

NASS = "NASS 2015"  # coverage recommendations of the North American Spine Society
EVICORE = "eviCore CMM-611"
BCBS = "BCBS MP-555"

PROFILES: dict[str, Profile] = {
    "documents": Profile(
        "documents",
        _l("Criteria in the source documents"),
        _l("What the patient leaflets this tool is based on say."),
        (
            Criterion(
                "chronic_pain",
                "min_number",
                True,
                _l("Long-lasting pain"),
                _l("Pain for at least %(min)s months"),
                Source(
                    SEED_002,
                    "Pain Is Chronic: If the pain persists for an extended period and "
                    "significantly impairs the patient's quality of life. (3 months is a common "
                    "definition of chronic pain.)",
                ),
                {"key": "pain_duration_months", "min": 3},
            ),
            Criterion(
                "quality_of_life",
                "min_number",
                True,
                _l("Pain affects daily life"),
                _l("Pain gets in the way of daily activities: at least %(min)s out of 10"),
                Source(
                    SEED_002,
                    "If the pain persists for an extended period and significantly impairs the "
                    "patient's quality of life.",
                ),
                {"key": "pain_interference", "min": 4},
            ),
            Criterion(
                "conservative_care",
                "treatments_tried",
                True,
                _l("Treatments without surgery tried first"),
                _l(
                    "At least %(min_tried)s treatments tried, including physical therapy or "
                    "exercises, and none gave lasting relief"
                ),
                Source(
                    SEED_002,
                    "SI joint fusion is considered when conservative treatments, such as physical "
                    "therapy, medications, and injections, fail to provide lasting relief.",
                ),
                {"min_tried": 2, "one_of": ["physical_therapy", "home_exercise"]},
            ),
            Criterion(
                "diagnostic_injection",
                "diagnostic_injection",
                True,
                _l("Numbing injection into the SI joint"),
                _l(
                    "A numbing injection into the SI joint relieved at least %(relief)s%% of the pain"
                ),
                Source(
                    SEED_002,
                    "Diagnostic tests, such as SI joint injections, confirm that the SI joint is "
                    "the source of the pain.",
                ),
                {"relief": 50, "count": 1, "guided": False},
            ),
            Criterion(
                "exam",
                "exam_reproduced",
                False,
                _l("Physical examination"),
                _l("A physical exam that stresses the SI joint brought on the usual pain"),
                Source(
                    SEED_003,
                    "Doctors usually combine several steps: a physical exam that places stress on "
                    "the SI joint.",
                ),
            ),
            Criterion(
                "imaging",
                "imaging_any",
                False,
                _l("Scans or X-rays"),
                _l("You have had an X-ray or a scan, such as an MRI"),
                Source(SEED_003, "Imaging such as X-rays or MRI."),
            ),
            Criterion(
                "pain_pattern",
                "pain_area",
                False,
                _l("Where the pain is"),
                _l("Pain in the lower back or buttock"),
                Source(
                    SEED_003,
                    "When the joint becomes inflamed or unstable, patients may feel pain in the "
                    "lower back, buttock, or upper leg.",
                ),
                {"areas": ["lower_back", "buttock"]},
            ),
        ),
    ),
    "published": Profile(
        "published",
        _l("Stricter published criteria"),
        _l("Stricter rules that health insurers and a group of spine doctors have published."),
        (
            Criterion(
                "chronic_pain",
                "min_number",
                True,
                _l("Long-lasting pain"),
                _l("Pain for at least %(min)s months"),
                Source(f"{NASS}; {EVICORE}; {BCBS}", "Pain for 6 months or more."),
                {"key": "pain_duration_months", "min": 6},
            ),
            Criterion(
                "pain_severity",
                "min_number",
                True,
                _l("How bad the pain is"),
                _l("Average pain at least %(min)s out of 10"),
                Source(
                    BCBS,
                    "Pain 5 or more on a 0-10 scale, affecting quality of life or daily activities.",
                ),
                {"key": "pain_average", "min": 5},
            ),
            Criterion(
                "conservative_care",
                "treatments_required",
                True,
                _l("Treatments without surgery tried first"),
                _l(
                    "At least %(months)s months of treatment without surgery, including physical "
                    "therapy, exercises at home and pain medicine, and none gave lasting relief"
                ),
                Source(
                    f"{NASS}; {BCBS}; {EVICORE}",
                    "6 months or more of non-operative care: medication optimisation, activity "
                    "modification, bracing, active exercise and a home exercise programme.",
                ),
                {"months": 6, "required": ["physical_therapy", "home_exercise", "medication"]},
            ),
            Criterion(
                "diagnostic_injection",
                "diagnostic_injection",
                True,
                _l("Numbing injections into the SI joint"),
                _l(
                    "At least %(count)s numbing injections where a scan or X-ray guided the "
                    "needle, each relieving at least %(relief)s%% of the pain"
                ),
                Source(
                    f"{EVICORE}; Ambetter policy; CMS LCDs L39455, L39402",
                    "Image-guided, contrast-enhanced intra-articular block; 75% or more relief; "
                    "on two separate occasions. (A large trial used 50% after one block: "
                    "Int J Spine Surg 10:4, 2016.)",
                ),
                {"relief": 75, "count": 2, "guided": True},
            ),
            Criterion(
                "exam",
                "exam_positive",
                True,
                _l("Physical examination"),
                _l("At least %(min)s SI joint tests brought on the pain"),
                Source(
                    f"{NASS}; {BCBS}; {EVICORE}",
                    "3 or more positive provocation tests among distraction, compression, thigh "
                    "thrust, FABER and Gaenslen's.",
                ),
                {"min": 3},
            ),
            Criterion(
                "imaging",
                "imaging_ct_mri",
                True,
                _l("Scans"),
                _l("A CT or MRI scan has been done"),
                Source(
                    f"{BCBS}; {EVICORE}",
                    "X-rays plus CT or MRI to exclude tumour, infection, fracture or "
                    "inflammatory arthropathy.",
                ),
                {"any_of": ["ct", "mri"]},
            ),
            Criterion(
                "no_generalised_pain",
                "no_condition",
                True,
                _l("No widespread pain condition"),
                _l("No widespread pain condition such as fibromyalgia"),
                Source(
                    f"{NASS}; {BCBS}", "Exclusion: generalised pain disorder (e.g. fibromyalgia)."
                ),
                {"condition": "fibromyalgia"},
            ),
            Criterion(
                "pain_pattern",
                "one_sided_pointing",
                False,
                _l("Where the pain is"),
                _l("Pain on one side, and you can point with one finger to where it hurts most"),
                Source(
                    f"{NASS}; {EVICORE}",
                    "Typically one-sided pain below L5; pain at Fortin's point.",
                ),
            ),
            Criterion(
                "nicotine_free",
                "nicotine_free",
                False,
                _l("No nicotine"),
                _l("No smoking, vaping or other nicotine"),
                Source(EVICORE, "eviCore asks for nicotine-free status."),
            ),
        ),
    ),
}

# Thresholds of the flags and the questions to ask, named once; wording refers to them by name.
THRESHOLDS: dict[str, int] = {
    # Risk factors the seed document names without numbers ("age, obesity, smoking"): obesity as
    # the usual BMI cut-off of 30, age as 65, the usual start of older age in surgical risk.
    "risk_bmi": 30,
    "risk_age": 65,
    # Fewer numbing injections than the published policies ask for (two).
    "injections_asked_for": 2,
    # Less treatment without surgery than the published policies ask for (six months).
    "conservative_care_months": 6,
    # Questions to ask: the last one is suggested only while the list is shorter than this.
    "questions_to_ask": 6,
}

OTHER_CONDITIONS_FLAGGED = ("disc_problem", "spinal_stenosis", "nerve_compression", "hip_arthritis")

FLAGS: dict[str, Flag] = {
    f.id: f
    for f in (
        Flag(
            "both_sides",
            _l(
                "Pain on both sides: if both joints are involved, usually one side is treated first."
            ),
            Source(SEED_003, "If both joints are involved, doctors usually treat one side first."),
            one(Check("pain_side", "eq", "both")),
        ),
        Flag(
            "other_conditions",
            _l(
                "Another condition was mentioned (a disc problem, narrowing of the spine, a "
                "trapped nerve or hip arthritis). Fusion may not relieve pain that comes from these."
            ),
            Source(
                SEED_003,
                "If pain is caused by other conditions in the spine, such as disc problems or "
                "nerve compression, the procedure may not resolve those symptoms.",
            ),
            one(Check("other_conditions", "any_of", OTHER_CONDITIONS_FLAGGED)),
        ),
        Flag(
            "risk_factors",
            _l(
                "Things that can raise the risks of spine surgery were mentioned (nicotine, a BMI "
                "of %(risk_bmi)s or more, or age %(risk_age)s or more)."
            ),
            Source(
                SEED_000,
                "As with any spine surgery, risks increase with factors like age, obesity, "
                "smoking, and certain pre-existing conditions.",
            ),
            either(
                Check("nicotine_use", "eq", "yes"),
                Check("bmi", "gte", "risk_bmi"),
                Check("age", "gte", "risk_age"),
            ),
        ),
        Flag(
            "previous_lumbar_fusion",
            _l("An earlier operation to fuse bones in the lower back was mentioned."),
            Source(
                SEED_000,
                "Adjacent levels may experience more stress over time which could lead to new "
                "problems.",
            ),
            one(Check("previous_lumbar_fusion", "eq", "yes")),
        ),
    )
}

# Questions the patient may want to ask the specialist, in the order they are listed.
PROMPTS: dict[str, Prompt] = {
    p.id: p
    for p in (
        Prompt(
            "injection_needed",
            _l(
                "Do I need a numbing (diagnostic) injection to find out whether the SI joint "
                "is the source of my pain?"
            ),
            one(Check("diagnostic_injection", "ne", "yes", missing=True)),
        ),
        Prompt(
            "injection_again",
            _l("Would another numbing injection, guided by a scan, be useful?"),
            (
                (
                    Check("diagnostic_injection", "eq", "yes"),
                    Check("diagnostic_injection_count", "lt", "injections_asked_for", missing=True),
                ),
                (
                    Check("diagnostic_injection", "eq", "yes"),
                    Check("diagnostic_injection_guided", "ne", "yes", missing=True),
                ),
            ),
        ),
        Prompt(
            "exam",
            _l("Should my SI joint be examined with tests that press on or move the pelvis?"),
            one(Check("exam_done", "ne", "yes", missing=True)),
        ),
        Prompt(
            "imaging",
            _l("Do I need an X-ray, CT or MRI scan of my lower back or pelvis?"),
            one(Check("imaging", "empty", missing=True)),
        ),
        Prompt(
            "physical_therapy",
            _l("Should I try physical therapy before other options?"),
            one(Check("physical_therapy_tried", "ne", "yes", missing=True)),
        ),
        Prompt(
            "conservative_care",
            _l("How long should I keep trying treatments without surgery?"),
            one(Check("conservative_care_months", "lt", "conservative_care_months")),
        ),
        Prompt(
            "both_sides",
            _l("My pain is on both sides: would one side be treated first?"),
            one(Check("pain_side", "eq", "both")),
        ),
        Prompt(
            # The conditions themselves are listed with the answers; the question stays short.
            "other_conditions",
            _l(
                "Could my other health conditions explain some of the pain, and how do they "
                "change my options?"
            ),
            one(Check("other_conditions", "nonempty")),
        ),
        Prompt(
            "previous_lumbar_fusion",
            _l("How does my earlier lower back fusion affect the options?"),
            one(Check("previous_lumbar_fusion", "eq", "yes")),
        ),
        Prompt(
            "nicotine",
            _l("Should I stop using nicotine before any treatment, and what help is there?"),
            one(Check("nicotine_use", "eq", "yes")),
        ),
        Prompt(
            "risks",
            _l("How do my age, weight or health change the risks of surgery?"),
            either(Check("bmi", "gte", "risk_bmi"), Check("age", "gte", "risk_age")),
        ),
        Prompt("options", _l("What are all my options, including not having surgery?")),
        Prompt(
            "recovery",
            _l("If I had SI joint fusion, what would recovery and going back to work look like?"),
            only_if_fewer_than=THRESHOLDS["questions_to_ask"],
        ),
    )
}

# --- words shown with an evaluation (one place, for the web pages, the PDF and exports) -------

STATUS_LABELS = {
    "met": _l("Matches"),
    "not_met": _l("Does not match"),
    "unknown": _l("Not known"),
}

OVERALL_LABELS = {
    "urgent": _l("Needs urgent medical help"),
    "consistent": _l("Answers match every main criterion compared"),
    "not_consistent": _l("Some answers do not match a main criterion"),
    "incomplete": _l("Some main criteria could not be compared"),
}

OVERALL_EXPLANATIONS = {
    "urgent": _l(
        "Some of your answers can be signs of a serious problem. Get urgent medical help now."
    ),
    "consistent": _l(
        "Your answers match all the main criteria in this comparison. This does not mean you "
        "need surgery. Only a specialist who examines you can decide what is right for you."
    ),
    "not_consistent": _l(
        "Some of your answers do not match one or more main criteria in this comparison. This is "
        "not a decision about your care. Talk it through with the specialist."
    ),
    "incomplete": _l(
        "Some answers were not known, so parts of the comparison are open. The specialist can "
        "help fill the gaps."
    ),
}

RED_FLAG_TITLE = _l("Get urgent medical help now")
RED_FLAG_ADVICE = _l(
    "You told us about something that can be a sign of a serious problem that needs checking "
    "straight away. Call your emergency number or go to an emergency department now. Do not wait "
    "for your appointment."
)
