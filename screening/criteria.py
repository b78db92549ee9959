"""Selection criteria as versioned data: profiles, thresholds with their basis, and sources.

The rules that read these thresholds live in `screening.engine`. Change a threshold, a source or
the wording here and bump CRITERIA_VERSION, so that a stored evaluation says what was applied.

Two rules hold for everything here:
- a quotation (`Source.says`) is only ever the source's own words, copied from the seed document
  or from the clinical review's verbatim quotes (`shared/reference/clinical-review-2026-11.md`);
  where the words were not captured, `says` is empty and the basis says so;
- every number has a basis in plain words (`THRESHOLDS`): where the cited source gives no number,
  the basis says where the number comes from, or that this tool chose it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .i18n import lazy_gettext as _l

CRITERIA_VERSION = "2026.12-1"
DEFAULT_PROFILE = "documents"

# --- the sources ------------------------------------------------------------------------------

# The seed documents, cited by their title: the first line of each (never by file name).
SEED_000 = "Published Date: Dec 2023"
SEED_001 = (
    "Sacroiliac joint fusion is a treatment approach to lower back and pelvis pain. The sacrum "
    "and the ilium naturally form a joint — and this fusion procedure joins the two together. If "
    "conservative treatment methods such as medications, exercises, and injections don’t help "
    "the back pain, surgical treatments in the form of a sacroiliac joint fusion may help."
)
SEED_002 = "Sacroiliac Joint Fusion: A Solution for Chronic Lower Back Pain"
SEED_003 = "SI Joint Fusion FAQs"
SEED_004 = (
    "Sacroiliac (SI) Joint Fusion is a minimally invasive surgical procedure used to treat "
    "chronic pain in the lower back, buttocks, and legs caused by dysfunction of the sacroiliac "
    "joint. The SI joint is located at the base of the spine, connecting the sacrum to the "
    "pelvis, and it plays a key role in supporting the upper body. When the SI joint becomes "
    "damaged or unstable due to injury, arthritis, or degenerative changes, it can cause severe "
    "and debilitating pain."
)
SEED_TITLES: tuple[str, ...] = (SEED_000, SEED_001, SEED_002, SEED_003, SEED_004)


@dataclass(frozen=True)
class Published:
    """A published source: its name, its date and where it was read."""

    name: str
    date: str
    url: str
    note: str = ""  # how it was read (a third-party summary, a quotation in another policy)


NASS = Published(
    "NASS 2015",
    "2015 (coverage recommendations of the North American Spine Society)",
    "http://sijpc.org/news-events/north-american-spine-society-nass-coverage-committee-recommends-coverage-fo/",
    "read through the SIJPC summary and its quotation in BCBS North Dakota's policy "
    "https://www.bcbsnd.com/providers/policies-precertification/medical-policy/d/"
    "diagnosis-and-treatment-of-sacroiliac-joint-pain",
)
BCBS = Published(
    "BCBS MP-555",
    "November 2023 (latest review, Credence Blue portal)",
    "https://policies.credenceblue.com/portal/web/medical-policies/-/mp-555?print=1",
)
EVICORE = Published(
    "eviCore CMM-611",
    "no version date in the summaries read (read November 2026)",
    "https://verity.backworkai.com/policy/EVICORE-CMM-611-SI-JOINT-FUSION_FINAL",
    "read only through third-party summaries, this one and "
    "https://verity.backworkai.com/policy/EVICORE-MSK_ADVANCED-AE9ECC7F",
)
EVICORE_203 = Published(
    "eviCore CMM-203",
    "no version date in the summary read (read November 2026)",
    "https://verity.backworkai.com/policy/EVICORE-CMM-203-SI-JOINT-PROC_FINAL",
    "read only through a third-party summary",
)
CMS_L39797 = Published(
    "CMS LCD L39797 (SI joint fusion)",
    "read November 2026",
    "https://cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=39797",
    "its background section",
)
CMS_CHRONIC = Published(
    "CMS LCD, SI joint injections and procedures",
    "read November 2026",
    "https://genhealth.ai/policy/cms/85edebe4-sacroiliac-joint-injections-and-procedures",
    "read through a mirror; cited only for its definition of chronic pain, not for any "
    "fusion criterion",
)
POLLY_2016 = Published(
    "Polly et al. 2016",
    "2016 (Int J Spine Surg 10:4)",
    "http://ijssurgery.com/lookup/doi/10.14444/3004",
    "a trial of SI joint fusion; one co-author is employed by the implant maker",
)
LASLETT_2005 = Published(
    "Laslett et al. 2005",
    "2005",
    "https://deploy.studylib.es/doc/9079422/laslett2005",
    "read through a copy of the paper on studylib",
)
SI_BONE = Published(
    "SI-BONE iFuse risks",
    "read November 2026",
    "https://si-bone.com/risks/",
    "the implant maker's list of risks and contraindications",
)

GCARE_BACK = Published(
    "Gloucestershire low back pain pathway (g-care)",
    "read November 2026",
    "https://g-care.glos.nhs.uk/pathway/75/resource/3",
    "an NHS referral pathway's red flags for low back pain",
)
NORTHERN_TRUST = Published(
    "Northern Trust (HSC NI) low back pain advice",
    "read November 2026",
    "https://www.northerntrust.hscni.net/services/physiotherapy-services/"
    "physiotherapy-service-outpatient-service/low-back-pain/",
    "NHS physiotherapy advice that sorts red flags into emergency and see-your-GP",
)
NHS_URGENT_BACK = Published(
    "NHS back pain advice (as quoted by redflagsymptoms.co.uk)",
    "read November 2026",
    "https://redflagsymptoms.co.uk/back-pain",
    "NHS-derived wording of when to get urgent help for back pain",
)
SHEFFIELD_BACK = Published(
    "Sheffield Aches and Pains: back pain",
    "read November 2026",
    "https://sheffieldachespains-staging.preflight.site/conditions/back-pain/what-is-back-pain",
)
MSK_SERIOUS_BACK = Published(
    "MSK Diagnostics: serious back pain",
    "read November 2026",
    "https://www.mskdiagnostics.co.uk/patients/resources/back/serious-back-pain/",
)
MILLCROFT_BACK = Published(
    "Millcroft Medical Centre (NHS practice): back pain",
    "read November 2026",
    "https://www.millcroftmedicalcentre.nhs.uk/now-ask-us/back-pain/",
)

PUBLISHED: dict[str, Published] = {
    p.name: p
    for p in (
        NASS,
        BCBS,
        EVICORE,
        EVICORE_203,
        CMS_L39797,
        CMS_CHRONIC,
        POLLY_2016,
        LASLETT_2005,
        SI_BONE,
        GCARE_BACK,
        NORTHERN_TRUST,
        NHS_URGENT_BACK,
        SHEFFIELD_BACK,
        MSK_SERIOUS_BACK,
        MILLCROFT_BACK,
    )
}


@dataclass(frozen=True)
class Source:
    """Where a criterion or flag comes from: a seed document or a published source.

    `says` is the source's own words (copied exactly), or empty where they were not captured.
    """

    document: str  # a seed document's title, or a published source's name
    says: str = ""

    @property
    def kind(self) -> Literal["seed", "published"]:
        """Whether the source is a seed document or a published source."""
        return "seed" if self.document in SEED_TITLES else "published"

    def as_dict(self) -> dict[str, str]:
        """The source as plain data; a published source with its date and address."""
        data = {"document": self.document, "says": self.says, "kind": self.kind}
        if self.document in PUBLISHED:
            data["date"] = PUBLISHED[self.document].date
            data["url"] = PUBLISHED[self.document].url
        return data


def seed(title: str, says: str) -> Source:
    """A sentence of a seed document, cited by the document's title."""
    if title not in SEED_TITLES:
        raise KeyError(title)
    return Source(title, says)


def published(source: Published, says: str = "") -> Source:
    """A published source, with its own words where they were captured."""
    return Source(source.name, says)


# --- thresholds: every number once, with its basis -----------------------------------------


@dataclass(frozen=True)
class Threshold:
    """A number a criterion, flag or question to ask compares with, and where it comes from."""

    value: int
    basis: Any
    short: Any = None  # the basis in a few words, for the comparison table


THRESHOLD_DATA: dict[str, Threshold] = {
    "documents_pain_months": Threshold(
        3,
        _l(
            "The seed documents say ‘chronic’ and ‘an extended period’ without a number; 3 months "
            "is the CMS definition of chronic pain (pain persisting at least 12 weeks)."
        ),
        _l("CMS definition of chronic pain; the seeds give no number"),
    ),
    "interference": Threshold(
        4,
        _l(
            "No source gives a number for how much the pain must affect daily life: 4 out of 10 "
            "is this tool’s choice, used in both profiles."
        ),
        _l("this tool’s choice; no source gives a number"),
    ),
    "documents_treatments": Threshold(
        2,
        _l(
            "The seed documents name treatments without surgery that ‘fail to provide lasting "
            "relief’ but give no count: at least 2, one of them physical therapy or exercises, is "
            "this tool’s choice."
        ),
        _l("this tool’s choice; the seeds give no count"),
    ),
    "documents_relief": Threshold(
        50,
        _l(
            "The seed documents say a numbing injection that relieves the pain for a short time "
            "points to the SI joint, without a number; 50% is the threshold Polly et al. 2016 "
            "used after one block (their blocks were guided by X-ray; this profile does not "
            "check guidance)."
        ),
        _l("Polly et al. 2016; the seeds give no number"),
    ),
    "published_care_months": Threshold(
        6,
        _l(
            "NASS 2015 and BCBS MP-555 ask for a minimum of 6 months of non-surgical treatment; "
            "months are counted from the month treatment first started to the month of the "
            "comparison."
        ),
        _l("NASS 2015, BCBS MP-555"),
    ),
    "published_pain_average": Threshold(
        5,
        _l("BCBS MP-555 asks for pain of at least 5 on a 0 to 10 scale."),
        _l("BCBS MP-555"),
    ),
    "published_pain_months": Threshold(
        6,
        _l(
            "NASS 2015 and BCBS MP-555 ask for 6 months of failed non-surgical treatment, not 6 "
            "months of pain; eviCore CMM-611 (third-party summary) calls fewer than 6 months of "
            "symptoms investigational. The tool counts 6 months since the pain started."
        ),
        _l("eviCore CMM-611 (summary); NASS and MP-555 count months of treatment"),
    ),
    "published_injections": Threshold(
        2,
        _l(
            "eviCore CMM-611 (third-party summary) asks for two blocks and NASS 2015 (SIJPC "
            "summary) for a response to two diagnostic injections."
        ),
        _l("eviCore CMM-611 (summary), NASS 2015"),
    ),
    "published_relief": Threshold(
        75,
        _l(
            "CMS LCD L39797’s background and eviCore CMM-611 (third-party summary) use 75% relief, "
            "after each block in eviCore’s words."
        ),
        _l("CMS LCD L39797, eviCore CMM-611 (summary)"),
    ),
    "published_positive_tests": Threshold(
        3,
        _l(
            "The policies ask for 3 or more positive provocation tests (their exact words were "
            "not captured); Laslett et al. 2005 found 3 or more of 6 tests most predictive. The "
            "count is the patient’s recall, to be confirmed."
        ),
        _l("the policies; Laslett et al. 2005"),
    ),
    # Flags and questions to ask.
    "risk_bmi": Threshold(
        30,
        _l(
            "The seed document names obesity without a number; a BMI of 30 is the usual "
            "definition of obesity (WHO)."
        ),
    ),
    "risk_age": Threshold(
        65,
        _l("The seed document names age without a number; 65 is this tool’s choice."),
    ),
    "questions_to_ask": Threshold(
        6,
        _l(
            "The last question is suggested only while the list is shorter than this: short to read."
        ),
    ),
}

# The numbers alone, by name: wording refers to them as %(name)s, so no number is written twice.
THRESHOLDS: dict[str, int] = {name: t.value for name, t in THRESHOLD_DATA.items()}


# --- criteria ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One criterion of a profile: the rule that checks it, its threshold and its sources.

    `params` are the rule's settings; a string value naming a THRESHOLDS entry stands for that
    number. `threshold` names the THRESHOLDS entries the criterion compares with (empty: none),
    `threshold_value` says the threshold in words, `basis` says why where there is no number.
    """

    id: str
    rule: str
    core: bool
    title: Any
    requirement: Any  # wording with %(name)s placeholders filled from params
    sources: tuple[Source, ...]
    params: dict[str, Any] = field(default_factory=dict)
    threshold: tuple[str, ...] = ()
    threshold_value: Any = None
    basis: Any = None  # the basis of a criterion without a number

    @property
    def values(self) -> dict[str, Any]:
        """The rule's settings with threshold names replaced by their numbers."""
        return {
            k: THRESHOLDS[v] if isinstance(v, str) and v in THRESHOLDS else v
            for k, v in self.params.items()
        }

    @property
    def source(self) -> Source:
        """The first source (the one the row is best known by)."""
        return self.sources[0]

    def requirement_text(self) -> str:
        """The requirement in words, with this profile's thresholds filled in."""
        words = str(self.requirement)
        return words % self.values if "%(" in words else words

    def threshold_dict(self) -> dict[str, Any]:
        """The threshold as plain data: its value in words and its basis in words."""
        if not self.threshold:
            return {"value": None, "basis": str(self.basis), "basis_short": ""}
        value = str(self.threshold_value)
        used = [THRESHOLD_DATA[name] for name in self.threshold]
        return {
            "value": value % self.values if "%(" in value else value,
            "basis": " ".join(str(t.basis) for t in used),
            "basis_short": "; ".join(dict.fromkeys(str(t.short) for t in used if t.short)),
        }


@dataclass(frozen=True)
class Profile:
    """A named set of criteria."""

    key: str
    title: Any
    description: Any
    criteria: tuple[Criterion, ...]


TREATMENTS_LIST = _l(
    "physical therapy, exercises at home, pain medicine, changing activities, a pelvic belt, "
    "hands-on treatment, steroid injections or the nerve treatment"
)

PROFILES: dict[str, Profile] = {
    "documents": Profile(
        "documents",
        _l("What the patient articles mention"),
        _l(
            "Points the five seed documents (patient articles and clinic pages) mention. They "
            "give no numbers: every number here is labelled with where it comes from."
        ),
        (
            Criterion(
                "chronic_pain",
                "months_at_least",
                True,
                _l("Long-lasting pain"),
                _l("Pain for at least %(min)s months"),
                (
                    seed(
                        SEED_002,
                        "Pain Is Chronic: If the pain persists for an extended period and "
                        "significantly impairs the patient’s quality of life.",
                    ),
                    published(
                        CMS_CHRONIC,
                        "Chronic Pain – The temporal definition of pain persisting at least 12 "
                        "weeks after the onset of the acute pain.",
                    ),
                ),
                {"key": "pain_months", "asked": "pain_started", "min": "documents_pain_months"},
                ("documents_pain_months",),
                _l("%(min)s months since the pain started"),
            ),
            Criterion(
                "pain_affects_daily_life",
                "number_at_least",
                True,
                _l("Pain affects daily life"),
                _l("Pain gets in the way of daily activities: at least %(min)s out of 10"),
                (
                    seed(
                        SEED_002,
                        "Pain Is Chronic: If the pain persists for an extended period and "
                        "significantly impairs the patient’s quality of life.",
                    ),
                ),
                {"key": "pain_interference", "min": "interference"},
                ("interference",),
                _l("%(min)s out of 10"),
            ),
            Criterion(
                "treatments_tried",
                "treatments_tried",
                True,
                _l("Treatments without surgery tried first"),
                _l(
                    "At least %(min_tried)s treatments tried, including physical therapy or "
                    "exercises at home, and none gave lasting relief"
                ),
                (
                    seed(
                        SEED_002,
                        "SI joint fusion is considered when conservative treatments, such as "
                        "physical therapy, medications, and injections, fail to provide lasting "
                        "relief from chronic lower back pain associated with SI joint dysfunction.",
                    ),
                    seed(
                        SEED_003,
                        "Doctors often recommend conservative treatment first. This may include "
                        "physical therapy, medication, activity modification, or injections.",
                    ),
                ),
                {
                    "min_tried": "documents_treatments",
                    "one_of": ("physical_therapy", "home_exercise"),
                },
                ("documents_treatments",),
                _l("%(min_tried)s treatments"),
            ),
            Criterion(
                "diagnostic_injection",
                "injection_any",
                True,
                _l("Numbing injection into the SI joint"),
                _l(
                    "At least one numbing injection into the SI joint relieved at least "
                    "%(relief)s%% of the pain"
                ),
                (
                    seed(
                        SEED_002,
                        "Diagnostic Tests Confirm SI Joint Dysfunction: Diagnostic tests, such as "
                        "SI joint injections, confirm that the SI joint is the source of the pain.",
                    ),
                    seed(
                        SEED_003,
                        "If the injection relieves pain for a short period, it suggests the SI "
                        "joint is likely the source of the problem.",
                    ),
                    published(
                        POLLY_2016,
                        "A 50% reduction in pain at 30 or 60 minutes following SIJB was "
                        "considered confirmatory",
                    ),
                ),
                {"relief": "documents_relief"},
                ("documents_relief",),
                _l("%(relief)s%% less pain after either injection"),
            ),
            Criterion(
                "exam",
                "exam_reproduced",
                False,
                _l("Physical examination"),
                _l("A physical exam that stresses the SI joint brought on the usual pain"),
                (seed(SEED_003, "A physical exam that places stress on the SI joint"),),
                basis=_l("No number: whether the exam brought on the usual pain."),
            ),
            Criterion(
                "imaging",
                "imaging_any",
                False,
                _l("Scans or X-rays"),
                _l("An X-ray or a scan (CT or MRI) has been done"),
                (seed(SEED_003, "Imaging such as X-rays or MRI"),),
                {"any_of": ("xray", "ct", "mri")},
                basis=_l(
                    "No number: whether any X-ray or scan was done. What it showed is a point "
                    "to discuss when it showed a different problem."
                ),
            ),
            Criterion(
                "pain_area",
                "pain_area",
                False,
                _l("Where the pain is"),
                _l("Pain in the lower back, buttock or thigh (upper leg)"),
                (
                    seed(
                        SEED_003,
                        "When the joint becomes inflamed or unstable, patients may feel pain in "
                        "the lower back, buttock, or upper leg.",
                    ),
                ),
                {"areas": ("lower_back", "buttock", "thigh")},
                basis=_l("No number: the areas the seed document names."),
            ),
        ),
    ),
    "published": Profile(
        "published",
        _l("Published policies (a composite)"),
        _l(
            "A composite of the published policies it draws on: NASS 2015, BCBS MP-555 and "
            "eviCore CMM-611, with CMS LCD L39797 and eviCore CMM-203 for single points. No one "
            "policy asks for all of these; each row names the policies it comes from."
        ),
        (
            Criterion(
                "conservative_care",
                "treatments_required",
                True,
                _l("Treatments without surgery tried first"),
                _l(
                    "At least %(months)s months since treatment started; physical therapy or "
                    "exercises at home, pain medicine, changing activities and a pelvic belt all "
                    "tried; none gave lasting relief"
                ),
                (
                    published(
                        BCBS,
                        "a minimum 6 months of intensive nonoperative treatment that must include "
                        "medication optimization, activity modification, bracing, and active "
                        "therapeutic exercise … including a home exercise program",
                    ),
                    published(NASS),
                    published(
                        EVICORE,
                        "≥6 months of conservative care including at least one therapeutic SI "
                        "injection and supervised PT",
                    ),
                ),
                {
                    "months": "published_care_months",
                    "required": ("medication", "activity_modification", "si_belt"),
                    "exercise": ("physical_therapy", "home_exercise"),
                },
                ("published_care_months",),
                _l("%(months)s months since treatment started"),
            ),
            Criterion(
                "pain_severity",
                "pain_severity",
                True,
                _l("How bad the pain is"),
                _l(
                    "Average pain at least %(average)s out of 10, and pain gets in the way of "
                    "daily activities at least %(interference)s out of 10"
                ),
                (
                    published(
                        BCBS,
                        "Pain is at least 5 on a 0 to 10 rating scale that impacts quality of "
                        "life or limits activities of daily living",
                    ),
                ),
                {"average": "published_pain_average", "interference": "interference"},
                ("published_pain_average", "interference"),
                _l("average %(average)s out of 10 and interference %(interference)s out of 10"),
            ),
            Criterion(
                "chronic_pain",
                "months_at_least",
                True,
                _l("Long-lasting pain"),
                _l("Pain for at least %(min)s months"),
                (published(EVICORE, "<6 months of symptoms"), published(NASS), published(BCBS)),
                {"key": "pain_months", "asked": "pain_started", "min": "published_pain_months"},
                ("published_pain_months",),
                _l("%(min)s months since the pain started"),
            ),
            Criterion(
                "diagnostic_injection",
                "injections_each",
                True,
                _l("Numbing injections into the SI joint"),
                _l(
                    "At least %(count)s numbing injections, each guided by X-ray or CT and each "
                    "relieving at least %(relief)s%% of the pain"
                ),
                (
                    published(
                        EVICORE,
                        "two fluoroscopic/CT-guided intra-articular SIJ blocks each showing ≥75% "
                        "pain relief for the expected anesthetic duration.",
                    ),
                    published(
                        CMS_L39797,
                        "A standard of ≥75% relief of pain has been suggested as an indication "
                        "of pain deriving from the SIJ.",
                    ),
                    published(NASS, "appropriate response to two diagnostic injections"),
                    published(
                        EVICORE_203,
                        "procedures use fluoroscopic/CT guidance with contrast … "
                        "Excluded/not medically necessary: ultrasound guidance",
                    ),
                ),
                {
                    "count": "published_injections",
                    "relief": "published_relief",
                    "guidance": ("xray_or_ct",),
                },
                ("published_injections", "published_relief"),
                _l("%(count)s injections, each with %(relief)s%% less pain, guided by X-ray or CT"),
            ),
            Criterion(
                "exam",
                "exam_positive",
                True,
                _l("Physical examination"),
                _l("At least %(min)s SI joint tests brought on the pain"),
                (
                    published(NASS),
                    published(BCBS),
                    published(EVICORE),
                    published(
                        LASLETT_2005,
                        "Three or more out of six tests or any two of four selected tests have "
                        "the best predictive power",
                    ),
                ),
                {"min": "published_positive_tests"},
                ("published_positive_tests",),
                _l("%(min)s positive tests"),
            ),
            Criterion(
                "imaging",
                "imaging_ct_mri",
                True,
                _l("Scans"),
                _l(
                    "A CT or MRI scan has been done, and it showed changes in the SI joint or was "
                    "normal (not a different problem)"
                ),
                (
                    published(
                        BCBS,
                        "Imaging (plain radiographs and computed tomography or magnetic resonance "
                        "imaging) of the sacroiliac joint excludes the presence of destructive "
                        "lesions (e.g., tumor, infection) or inflammatory arthropathy of the "
                        "sacroiliac joint",
                    ),
                    published(EVICORE),
                ),
                {"any_of": ("ct", "mri"), "results": ("si_joint_changes", "normal")},
                basis=_l(
                    "No number. BCBS MP-555 also asks for plain X-rays, a pelvis X-ray and lumbar "
                    "CT or MRI; the questionnaire does not ask which region was scanned, so the "
                    "tool checks only that a CT or MRI was done and did not show a different "
                    "problem."
                ),
            ),
            Criterion(
                "no_inflammatory_arthritis",
                "without_condition",
                True,
                _l("No inflammatory arthritis"),
                _l("No inflammatory arthritis, like ankylosing spondylitis"),
                (
                    published(EVICORE, "exclusion of systemic inflammatory arthropathy"),
                    published(
                        BCBS,
                        "excludes the presence of destructive lesions (e.g., tumor, infection) "
                        "or inflammatory arthropathy of the sacroiliac joint",
                    ),
                ),
                {"condition": "inflammatory_arthritis"},
                basis=_l("No number: whether a doctor has said the patient has it."),
            ),
            Criterion(
                "no_generalised_pain",
                "without_condition",
                True,
                _l("No widespread pain condition"),
                _l("No widespread pain condition such as fibromyalgia"),
                (
                    published(
                        BCBS,
                        "absence of generalized pain behavior (e.g., somatoform disorder) or "
                        "generalized pain disorders (e.g., fibromyalgia)",
                    ),
                    published(NASS),
                ),
                {"condition": "fibromyalgia"},
                basis=_l(
                    "No number. The questionnaire asks about fibromyalgia only, not about "
                    "widespread pain or pain behaviour."
                ),
            ),
            Criterion(
                "nicotine_free",
                "answer_is",
                True,
                _l("No nicotine"),
                _l("No smoking, vaping or other nicotine"),
                (
                    published(
                        EVICORE,
                        "nicotine-free status confirmed by cotinine ≤10 ng/mL or never-smoker",
                    ),
                ),
                {"key": "nicotine_use", "met": "no", "not_met": "yes"},
                basis=_l(
                    "No number: the patient’s answer. eviCore asks for a cotinine test, which the "
                    "questionnaire does not ask about."
                ),
            ),
            Criterion(
                "pain_pattern",
                "answer_is",
                False,
                _l("Where the pain is"),
                _l("You can point with one finger to where it hurts most, below the pelvic dimple"),
                (
                    published(
                        BCBS,
                        "Pain is caudal to the lumbar spine (L5 vertebra), localized over the "
                        "posterior sacroiliac joint",
                    ),
                    published(NASS),
                ),
                {"key": "points_to_si_joint", "met": "yes", "not_met": "no"},
                basis=_l(
                    "No number. The policies ask for tenderness when an examiner presses there; "
                    "the questionnaire asks whether the patient can point to it, which is a "
                    "different test. Pain on both sides is a point to discuss, not a mismatch."
                ),
            ),
        ),
    ),
}


# --- flags (both profiles) -------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One test on an answer, or on a value worked out from answers (`bmi`, `age`).

    `value` is an answer value, a tuple of them (`any_of`, `none_of`), or for `lt`/`gte` a number
    or the name of a threshold in THRESHOLDS. `missing` is the result when the answer is not
    given.
    """

    key: str
    op: Literal["eq", "ne", "any_of", "none_of", "empty", "nonempty", "lt", "gte"]
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
    """A point for the specialist to discuss: when it applies, its sentence and its sources.

    `text` names the patient's own values (%(values)s, filled by the engine) and may name
    thresholds (%(risk_bmi)s). `reads` are the answers (or derived values) the flag reads: when
    it is not raised and one of them is unanswered or "not sure", the flag is not known.
    """

    id: str
    title: Any  # a few words, for the sentence that lists what was checked
    text: Any
    sources: tuple[Source, ...]
    when: When
    reads: tuple[str, ...]

    @property
    def source(self) -> Source:
        """The first source."""
        return self.sources[0]

    def text_in_words(self, values: str = "") -> str:
        """The sentence with the patient's values and the thresholds filled in."""
        return str(self.text) % {**THRESHOLDS, "values": values}


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
        if t.op in ("any_of", "none_of"):
            verb = "includes any of" if t.op == "any_of" else "includes none of"
            text = f"`{t.key}` {verb} {', '.join(f'`{v}`' for v in t.value)}"
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


OTHER_CONDITIONS_FLAGGED = (
    "disc_problem",
    "spinal_stenosis",
    "nerve_compression",
    "hip_arthritis",
    "inflammatory_arthritis",
    "fibromyalgia",
    "osteoporosis",
)
PREGNANCY_FLAGGED = ("pregnant_now", "planning_pregnancy", "gave_birth_last_year")

FLAGS: dict[str, Flag] = {
    f.id: f
    for f in (
        Flag(
            "both_sides",
            _l("pain on both sides"),
            _l("The pain is on both sides. Ask how that affects the tests and the options."),
            (seed(SEED_003, "Some patients experience symptoms on both sides of the pelvis."),),
            one(Check("pain_side", "eq", "both")),
            ("pain_side",),
        ),
        Flag(
            "other_conditions",
            _l("other conditions"),
            _l(
                "Other conditions named: %(values)s. Pain that comes from another condition may "
                "need other tests or treatment."
            ),
            (
                seed(
                    SEED_003,
                    "If pain is caused by other conditions in the spine, such as disc problems or "
                    "nerve compression, the procedure may not resolve those symptoms.",
                ),
                seed(
                    SEED_000,
                    "Conditions like ankylosing spondylitis or reactive arthritis that cause "
                    "inflammation in the joints can also affect the sacroiliac joints.",
                ),
                published(
                    BCBS,
                    "absence of generalized pain behavior (e.g., somatoform disorder) or "
                    "generalized pain disorders (e.g., fibromyalgia)",
                ),
            ),
            one(Check("other_conditions", "any_of", OTHER_CONDITIONS_FLAGGED)),
            ("other_conditions",),
        ),
        Flag(
            "imaging_other_problem",
            _l("what the scans showed"),
            _l("The scans showed a different problem: %(values)s."),
            (
                published(
                    BCBS,
                    "Imaging (plain radiographs and computed tomography or magnetic resonance "
                    "imaging) of the sacroiliac joint excludes the presence of destructive "
                    "lesions (e.g., tumor, infection) or inflammatory arthropathy of the "
                    "sacroiliac joint",
                ),
            ),
            one(Check("imaging_result", "eq", "other_problem")),
            ("imaging", "imaging_result"),
        ),
        Flag(
            "nerve_symptoms",
            _l("leg symptoms"),
            _l("Leg symptoms that can come from a nerve in the back: %(values)s."),
            (
                seed(
                    SEED_003,
                    "If pain is caused by other conditions in the spine, such as disc problems or "
                    "nerve compression, the procedure may not resolve those symptoms.",
                ),
                published(
                    BCBS,
                    "Imaging of the lumbar spine (computed tomography or magnetic resonance "
                    "imaging) is performed to rule out neural compression",
                ),
            ),
            either(
                Check("leg_numbness", "eq", "yes"),
                Check("pain_locations", "any_of", ("below_knee",)),
            ),
            ("leg_numbness", "pain_locations"),
        ),
        Flag(
            "risk_factors",
            _l("risk factors"),
            _l(
                "Factors that can raise the risks of an operation: %(values)s (limits: a BMI of "
                "%(risk_bmi)s or more, age %(risk_age)s or more)."
            ),
            (
                seed(
                    SEED_000,
                    "As with any spine surgery, risks increase with factors like age, obesity, "
                    "smoking, and certain pre-existing conditions.",
                ),
            ),
            either(
                Check("nicotine_use", "eq", "yes"),
                Check("bmi", "gte", "risk_bmi"),
                Check("age", "gte", "risk_age"),
                Check("regular_opioids", "eq", "yes"),
            ),
            ("nicotine_use", "bmi", "age", "regular_opioids"),
        ),
        Flag(
            "previous_lumbar_fusion",
            _l("an earlier lower back fusion"),
            _l("An earlier operation to fuse bones in the lower back was mentioned."),
            (
                published(
                    CMS_L39797, "SIJ degeneration commonly occurs, especially after lumbar fusion."
                ),
            ),
            one(Check("previous_lumbar_fusion", "eq", "yes")),
            ("previous_lumbar_fusion",),
        ),
        Flag(
            "previous_si_fusion",
            _l("an earlier SI joint operation"),
            _l("An earlier operation on the SI joint was mentioned."),
            (published(EVICORE, "failed prior percutaneous fusion"),),
            one(Check("previous_si_fusion", "eq", "yes")),
            ("previous_si_fusion",),
        ),
        Flag(
            "pregnancy",
            _l("pregnancy"),
            _l("Pregnancy: %(values)s."),
            (
                published(
                    SI_BONE,
                    "vaginal delivery of a fetus may not be advisable following SI joint fusion",
                ),
            ),
            one(Check("pregnancy", "any_of", PREGNANCY_FLAGGED)),
            ("pregnancy",),
        ),
        Flag(
            "metal_allergy",
            _l("a metal allergy"),
            _l("Allergy to metals: %(values)s."),
            (published(SI_BONE, "Allergy to metal components"),),
            one(Check("metal_allergy", "any_of", ("yes", "not_sure"))),
            ("metal_allergy",),
        ),
    )
}

NO_FLAGS_TEXT = _l(
    "None of the answers raised a point to discuss (pain on both sides, other conditions, what "
    "the scans showed, leg symptoms, risk factors, an earlier lower back fusion or SI joint "
    "operation, pregnancy or a metal allergy)."
)
FLAGS_UNKNOWN_TEXT = _l("Not known, because an answer was not given or was ‘not sure’: %(what)s.")

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
            _l("Would another numbing injection, guided by X-ray or CT, be useful?"),
            (
                (
                    Check("diagnostic_injection", "eq", "yes"),
                    Check("diagnostic_injection_count", "lt", "published_injections", missing=True),
                ),
                (
                    Check("diagnostic_injection", "eq", "yes"),
                    Check("injection_1_guidance", "ne", "xray_or_ct", missing=True),
                ),
                (
                    Check("diagnostic_injection_count", "gte", "published_injections"),
                    Check("injection_2_guidance", "ne", "xray_or_ct", missing=True),
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
            one(Check("imaging", "none_of", ("xray", "ct", "mri"), missing=True)),
        ),
        Prompt(
            "imaging_other_problem",
            _l("What did my scans show, and could it explain some of the pain?"),
            one(Check("imaging_result", "eq", "other_problem")),
        ),
        Prompt(
            "physical_therapy",
            _l("Should I try physical therapy before other options?"),
            one(Check("treatments_tried", "none_of", ("physical_therapy",), missing=True)),
        ),
        Prompt(
            "conservative_care",
            _l("How long should I keep trying treatments without surgery?"),
            either(
                Check("treatment_months", "lt", "published_care_months"),
                Check("treatments_tried", "any_of", ("none",)),
            ),
        ),
        Prompt(
            "both_sides",
            _l("My pain is on both sides: how does that affect the tests and the options?"),
            one(Check("pain_side", "eq", "both")),
        ),
        Prompt(
            # The conditions themselves are listed with the answers; the question stays short.
            "other_conditions",
            _l(
                "Could my other health conditions explain some of the pain, and how do they "
                "change my options?"
            ),
            one(Check("other_conditions", "any_of", OTHER_CONDITIONS_FLAGGED)),
        ),
        Prompt(
            "nerve_symptoms",
            _l("Could the numbness or the pain in my leg come from a nerve in my back?"),
            either(
                Check("leg_numbness", "eq", "yes"),
                Check("pain_locations", "any_of", ("below_knee",)),
            ),
        ),
        Prompt(
            "previous_lumbar_fusion",
            _l("How does my earlier lower back fusion affect the options?"),
            one(Check("previous_lumbar_fusion", "eq", "yes")),
        ),
        Prompt(
            "previous_si_fusion",
            _l("How does my earlier SI joint operation affect the options?"),
            one(Check("previous_si_fusion", "eq", "yes")),
        ),
        Prompt(
            "pregnancy",
            _l("How do pregnancy, or plans for a pregnancy, affect the tests and the options?"),
            one(Check("pregnancy", "any_of", PREGNANCY_FLAGGED)),
        ),
        Prompt(
            "metal_allergy",
            _l("Does an allergy to metals matter for any treatment, and should it be tested?"),
            one(Check("metal_allergy", "any_of", ("yes", "not_sure"))),
        ),
        Prompt(
            "nicotine",
            _l("Should I stop using nicotine before any treatment, and what help is there?"),
            one(Check("nicotine_use", "eq", "yes")),
        ),
        Prompt(
            "opioids",
            _l("How do the strong painkillers I take most days affect my options?"),
            one(Check("regular_opioids", "eq", "yes")),
        ),
        Prompt(
            "risks",
            _l("How do my age, weight or health change the risks of treatment?"),
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


# --- where the sources disagree (docs/criteria.md) --------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """A point where the sources disagree, and the reading this tool uses and why."""

    topic: str
    sources_say: str
    tool_uses: str


DISAGREEMENTS: tuple[Disagreement, ...] = (
    Disagreement(
        "Relief after a numbing injection: 50% or 75%",
        "Polly et al. 2016 took 50% relief after one block as confirmatory, and its authors argue "
        "75% has no evidence base; CMS LCD L39797's background and eviCore CMM-611 (summary) use "
        "75%.",
        "Both, each in its own profile, labelled: 50% in the documents profile (the seeds give no "
        "number) and 75% in the published profile. Neither is presented as the seeds' words.",
    ),
    Disagreement(
        "One block or two",
        "Polly et al. 2016 used one block; eviCore CMM-611 (summary) asks for two blocks, NASS "
        "2015 (SIJPC summary) for a response to two diagnostic injections.",
        "The documents profile accepts either injection; the published profile asks for two, "
        "each judged on its own answer, so one block of 80% and one of 20% is not met.",
    ),
    Disagreement(
        "3 months or 6 months",
        "The seeds say ‘chronic’ and ‘an extended period’ without a number; the CMS definition of "
        "chronic pain is 12 weeks. NASS 2015 and BCBS MP-555 ask for 6 months of failed "
        "non-surgical treatment; only eviCore CMM-611 (summary) speaks of 6 months of symptoms.",
        "3 months of pain in the documents profile, with the CMS definition as its basis; in the "
        "published profile 6 months since the pain started and, separately, 6 months since "
        "treatment started, so neither reading is dropped.",
    ),
    Disagreement(
        "Guidance of the needle: X-ray or CT, or ultrasound",
        "eviCore CMM-611 (summary) asks for fluoroscopic or CT-guided blocks and eviCore CMM-203 "
        "(summary) excludes ultrasound guidance; the CMS injection LCD L39402 (summary) allows "
        "ultrasound only for contrast allergy or pregnancy. The seeds do not mention guidance; "
        "Polly et al. 2016's blocks were guided by X-ray.",
        "The published profile counts only X-ray or CT: an ultrasound-guided or unguided block "
        "is not met, an unknown guidance is not known. The documents profile does not check "
        "guidance, and its basis says so.",
    ),
    Disagreement(
        "Which treatments without surgery",
        "NASS 2015 and BCBS MP-555 list medication optimisation, activity modification, bracing "
        "and active therapeutic exercise including a home exercise programme; eviCore CMM-611 "
        "(summary) asks for at least one therapeutic SI joint injection and supervised physical "
        "therapy; the seeds name physical therapy, medication, activity modification and "
        "injections without a count.",
        "The published profile asks for the NASS/MP-555 list (physical therapy or exercises at "
        "home, pain medicine, changing activities and a pelvic belt). eviCore’s therapeutic "
        "injection is not required; the injection answers are shown in the row for the "
        "specialist.",
    ),
    Disagreement(
        "Pain on one side",
        "NASS 2015 calls SI joint pain typically one-sided; the seeds say some patients have "
        "symptoms on both sides.",
        "Pain on both sides is a point to discuss, never ‘does not match’.",
    ),
    Disagreement(
        "Imaging",
        "BCBS MP-555 asks for plain X-rays and CT or MRI of the SI joint, a pelvis X-ray and "
        "lumbar CT or MRI; the seeds mention X-rays or MRI.",
        "The documents profile counts any X-ray or scan; the published profile asks for a CT or "
        "MRI that did not show a different problem. The questionnaire does not ask which region "
        "was scanned, so the region is left to the specialist.",
    ),
)


# --- words shown with an evaluation (one place, for the web pages, the PDF and exports) -------

STATUS_LABELS = {
    "met": _l("Met"),
    "not_met": _l("Not met"),
    "unknown": _l("Not known"),
}

# Short names of the overall codes, for filters and lists: counts, never a verdict.
OVERALL_LABELS = {
    "urgent": _l("A safety answer needs urgent help"),
    "consistent": _l("Every main criterion met"),
    "not_consistent": _l("At least one main criterion not met"),
    "incomplete": _l("No main criterion not met; some not known"),
}

OVERALL_EXPLANATIONS = {
    "urgent": _l(
        "Some of your answers can be signs of a serious problem. Get urgent medical help now."
    ),
    "consistent": _l(
        "Your answers are set beside published criteria in a summary for the specialist. This is "
        "not a decision about your care. Only a specialist who examines you can decide what is "
        "right for you."
    ),
    "not_consistent": _l(
        "Your answers are set beside published criteria in a summary for the specialist. This is "
        "not a decision about your care. Only a specialist who examines you can decide what is "
        "right for you."
    ),
    "incomplete": _l(
        "Your answers are set beside published criteria in a summary for the specialist. Some "
        "answers were not known; the specialist can help fill the gaps."
    ),
}

# Page 1 of the summary counts each profile, the stricter first.
STRICTER_FIRST = ("published", "documents")

COUNTS_TEXT = _l(
    "%(met)s of %(total)s main criteria met, %(not_met)s not met, %(unknown)s not known"
)


def counts_in_words(criteria: Any) -> str:
    """The main criteria counted, like "6 of 9 main criteria met, 1 not met, 2 not known".

    `criteria` are evaluation rows (dicts with "status" and "core", or results with those
    attributes); supporting criteria are not counted.
    """

    def get(c: Any, name: str) -> Any:
        return c.get(name) if isinstance(c, dict) else getattr(c, name)

    core = [get(c, "status") for c in criteria if get(c, "core")]
    return str(COUNTS_TEXT) % {
        "met": core.count("met"),
        "total": len(core),
        "not_met": core.count("not_met"),
        "unknown": core.count("unknown"),
    }


# --- red flags: asked first, each at its level of advice ---------------------------------

EMERGENCY = "emergency"  # call the emergency number or go to an emergency department now
URGENT = "urgent"  # contact a doctor today, or an urgent care service
LEVELS = (EMERGENCY, URGENT)  # highest first


@dataclass(frozen=True)
class RedFlag:
    """A safety question's "yes": its level of advice, the words the specialist reads, and
    where the level comes from (the patient's wording is the question in the tree)."""

    id: str  # the answer key (rf_...)
    level: Literal["emergency", "urgent"]
    text: Any
    sources: tuple[Source, ...]


RED_FLAGS: dict[str, RedFlag] = {
    f.id: f
    for f in (
        RedFlag(
            "rf_bladder_bowel",
            EMERGENCY,
            _l("New difficulty passing urine, or loss of bladder or bowel control"),
            (published(GCARE_BACK), published(NORTHERN_TRUST)),
        ),
        RedFlag(
            "rf_saddle_numbness",
            EMERGENCY,
            _l(
                "Numbness or tingling around the genitals or anus (saddle area), or altered feeling when wiping"
            ),
            (
                published(GCARE_BACK),
                published(
                    MSK_SERIOUS_BACK, "Altered feeling when using toilet paper to wipe yourself"
                ),
            ),
        ),
        RedFlag(
            "rf_leg_weakness",
            EMERGENCY,
            _l(
                "New or worsening weakness or numbness in one or both legs, or worsening pain in both legs"
            ),
            (published(GCARE_BACK), published(NORTHERN_TRUST)),
        ),
        RedFlag(
            "rf_sexual_function",
            EMERGENCY,
            _l("New loss of sexual function"),
            (published(SHEFFIELD_BACK, "New inability to gain or maintain an erection"),),
        ),
        RedFlag(
            "rf_major_trauma",
            EMERGENCY,
            _l("Serious fall, crash or injury in the last few weeks"),
            (published(NORTHERN_TRUST, "pain following major trauma"),),
        ),
        RedFlag(
            "rf_minor_trauma",
            EMERGENCY,
            _l(
                "Minor fall or strain with osteoporosis or long-term oral steroids (possible fracture)"
            ),
            (published(NORTHERN_TRUST), published(GCARE_BACK)),
        ),
        RedFlag(
            "rf_fever",
            URGENT,
            _l("High temperature, or feeling hot and shivery"),
            (
                published(NORTHERN_TRUST, "fever or high temperature"),
                published(NHS_URGENT_BACK, "a high temperature"),
            ),
        ),
        RedFlag(
            "rf_weight_loss",
            URGENT,
            _l("Weight loss without trying"),
            (published(NHS_URGENT_BACK, "you've lost weight without trying to"),),
        ),
        RedFlag(
            "rf_cancer",
            URGENT,
            _l("Cancer now, or a history of cancer with new pain"),
            (published(MILLCROFT_BACK, "you have a history of cancer"),),
        ),
        RedFlag(
            "rf_night_pain",
            URGENT,
            _l("Night pain not eased by rest or changing position"),
            (
                published(GCARE_BACK, "persistent night pain (unrelieved by change in position)"),
                published(
                    NHS_URGENT_BACK, "the pain does not improve after resting or is worse at night"
                ),
            ),
        ),
        RedFlag(
            "rf_immune",
            URGENT,
            _l("Weakened immune system (for example from medicines), or injecting drugs"),
            (published(GCARE_BACK, "immunosuppression; intravenous (IV) drug misuse"),),
        ),
        RedFlag(
            "rf_lump",
            URGENT,
            _l("A lump or swelling in the back, or a change in the shape of the back"),
            (
                published(
                    NHS_URGENT_BACK,
                    "there's a lump or swelling in your back or your back has changed shape",
                ),
                published(GCARE_BACK, "structural deformity of the spine"),
            ),
        ),
    )
}

RED_FLAG_TITLE = _l("Get urgent medical help now")
RED_FLAG_ADVICE = _l(
    "You told us about something that can be a sign of a serious problem that needs checking "
    "straight away. Call your emergency number or go to an emergency department now. Do not wait "
    "for your appointment."
)
