"""Published selection criteria as versioned data: profiles, thresholds and sources.

The rules that read these thresholds live in `screening.engine`. Change a threshold, a source or
the wording here and bump CRITERIA_VERSION, so that a stored evaluation says what was applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

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
class Flag:
    """A point for the specialist to discuss, with its plain sentence and source."""

    id: str
    text: Any
    source: Source


@dataclass(frozen=True)
class Profile:
    """A named set of criteria."""

    key: str
    title: Any
    description: Any
    criteria: tuple[Criterion, ...]


SEED_000 = "000_f0eec268d15cfd81.txt"
SEED_001 = "001_b77feec0c2362017.txt"
SEED_002 = "002_ca83e156e08205ed.txt"
SEED_003 = "003_8fcf4106468b0df7.txt"
SEED_004 = "004_c6392cbe10faec04.txt"

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

FLAGS: dict[str, Flag] = {
    f.id: f
    for f in (
        Flag(
            "both_sides",
            _l(
                "Pain on both sides: if both joints are involved, usually one side is treated first."
            ),
            Source(SEED_003, "If both joints are involved, doctors usually treat one side first."),
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
        ),
        Flag(
            "risk_factors",
            _l(
                "Things that can raise the risks of spine surgery were mentioned (nicotine, a BMI "
                "of 30 or more, or age 65 or more)."
            ),
            Source(
                SEED_000,
                "As with any spine surgery, risks increase with factors like age, obesity, "
                "smoking, and certain pre-existing conditions.",
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
        ),
    )
}

RISK_FACTOR_LIMITS = {"bmi": 30, "age": 65}
OTHER_CONDITIONS_FLAGGED = ("disc_problem", "spinal_stenosis", "nerve_compression", "hip_arthritis")

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
