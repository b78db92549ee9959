"""The SDC Questionnaire and the product's terminology (issue 15): expected values by hand."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.valueset import ValueSet

from screening import ROOT, questionnaire, releases
from screening.definition import Definition
from screening.fhir import docs, terminology
from screening.fhir.questionnaire import fhir_questionnaire, questionnaire_item
from screening.questionnaire import Choice, Question, Section, Step, build

PRODUCT = "https://si-joint-screening.example.org/fhir"
YES_NO = f"{PRODUCT}/CodeSystem/yes-no-not-sure"
CLINIC = "https://fhir.clinic.example/r4"


def _items(resource: dict) -> list[dict]:
    out = []
    for item in resource.get("item", []):
        out.append(item)
        out.extend(_items(item))
    return out


def _by_link(resource: dict) -> dict[str, dict]:
    return {i["linkId"]: i for i in _items(resource)}


def _ext(item: dict, url: str) -> list[dict]:
    return [e for e in item.get("extension", []) if e["url"] == url]


def _control(item: dict) -> str | None:
    controls = _ext(item, "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl")
    if not controls:
        return None
    [control] = controls
    [coding] = control["valueCodeableConcept"]["coding"]
    assert coding["system"] == "http://hl7.org/fhir/questionnaire-item-control"
    return coding["code"]


def _unit(item: dict) -> dict | None:
    units = _ext(item, "http://hl7.org/fhir/StructureDefinition/questionnaire-unit")
    return units[0]["valueCoding"] if units else None


# --- terminology --------------------------------------------------------------------------


def test_yes_no_questions_share_one_code_system():
    lumbar = questionnaire.BY_KEY["previous_lumbar_fusion"]
    nicotine = questionnaire.BY_KEY["nicotine_use"]
    assert terminology.coding(lumbar, "yes") == {"system": YES_NO, "code": "yes", "display": "Yes"}
    assert terminology.coding(nicotine, "no") == {"system": YES_NO, "code": "no", "display": "No"}
    # With "I'm not sure" too, and the safety questions.
    for key in ("exam_done", "metal_allergy", "rf_fever", "rf_bladder_bowel"):
        assert terminology.code_system(key) == YES_NO, key
    # "No" among other answers is not a yes/no question.
    assert terminology.code_system("pregnancy") == f"{PRODUCT}/CodeSystem/pregnancy"
    # And in the Questionnaire, every answer option of both questions.
    by_link = _by_link(fhir_questionnaire())
    for key in ("previous_lumbar_fusion", "nicotine_use"):
        assert [o["valueCoding"] for o in by_link[key]["answerOption"]] == [
            {"system": YES_NO, "code": "yes", "display": "Yes"},
            {"system": YES_NO, "code": "no", "display": "No"},
        ]
    shared = [cs for cs in terminology.code_system_resources() if cs["url"] == YES_NO]
    assert len(shared) == 1
    assert shared[0]["concept"] == [
        {"code": "yes", "display": "Yes"},
        {"code": "no", "display": "No"},
        {"code": "not_sure", "display": "I’m not sure"},
    ]


def _tree_with(*questions: Question) -> Definition:
    step = Step("extra", "Extra", items=questions)
    return Definition("2099.01", build(Section("extra", "Extra", steps=(step,))))


def test_a_new_yes_no_question_is_found_in_the_tree_not_in_a_list():
    vape = Question(
        "vapes_daily",
        "single",
        "Do you vape every day?",
        "if you vape",
        choices=questionnaire.YES_NO,
    )
    told = Question(
        "told_so",
        "single",
        "Were you told so?",
        "if you were told",
        choices=(Choice("yes", "Yes, I was told"), Choice("no", "No")),
    )
    definition = _tree_with(vape, told)
    assert terminology.code_system("vapes_daily", definition) == YES_NO
    # A "yes" worded otherwise means something else: its own code system.
    assert terminology.code_system("told_so", definition) == f"{PRODUCT}/CodeSystem/told-so"


def test_code_systems_stay_the_product_s_whatever_the_clinic_base(make_app):
    outside = [r["url"] for r in terminology.terminology_resources()]
    app = make_app(FHIR_CANONICAL_BASE=CLINIC)
    with app.app_context():
        resource = fhir_questionnaire()
        assert resource["url"] == f"{CLINIC}/Questionnaire/si-joint-screening"
        assert [r["url"] for r in terminology.terminology_resources()] == outside
        assert terminology.code_system("imaging_result") == f"{PRODUCT}/CodeSystem/imaging-result"
        systems = {
            o["valueCoding"]["system"] for i in _items(resource) for o in i.get("answerOption", [])
        }
        assert systems and all(s.startswith(f"{PRODUCT}/CodeSystem/") for s in systems)
        [condition] = _by_link(resource)["imaging_other_problem"]["enableWhen"]
        assert condition["answerCoding"]["system"] == f"{PRODUCT}/CodeSystem/imaging-result"
    assert all(u.startswith(f"{PRODUCT}/") for u in outside)


PAIN_SIDE_CONCEPTS = [
    {"code": "left", "display": "Left side"},
    {"code": "right", "display": "Right side"},
    {"code": "both", "display": "Both sides"},
    {"code": "middle", "display": "In the middle"},
]


def test_the_code_system_and_value_set_of_pain_side_written_out():
    [cs] = [r for r in terminology.code_system_resources() if r["id"] == "pain-side"]
    assert {k: v for k, v in cs.items() if k != "text"} == {
        "resourceType": "CodeSystem",
        "id": "pain-side",
        "language": "en",
        "url": "https://si-joint-screening.example.org/fhir/CodeSystem/pain-side",
        "version": "2026.12",
        "name": "PainSide",
        "title": "Answers to: Which side is the pain on?",
        "status": "active",
        "experimental": False,
        "date": "2026-12",
        "publisher": "SI joint screening",
        "description": "The answers to the question pain_side of the SI joint screening "
        "questionnaire.",
        "caseSensitive": True,
        "content": "complete",
        "count": 4,
        "concept": PAIN_SIDE_CONCEPTS,
    }
    [vs] = [r for r in terminology.value_set_resources() if r["id"] == "pain-side"]
    assert {k: v for k, v in vs.items() if k != "text"} == {
        "resourceType": "ValueSet",
        "id": "pain-side",
        "language": "en",
        "url": "https://si-joint-screening.example.org/fhir/ValueSet/pain-side",
        "version": "2026.12",
        "name": "PainSide",
        "title": "Answers to: Which side is the pain on?",
        "status": "active",
        "experimental": False,
        "date": "2026-12",
        "publisher": "SI joint screening",
        "description": "The answers allowed for the question pain_side of the SI joint "
        "screening questionnaire.",
        "immutable": True,
        "compose": {
            "include": [
                {
                    "system": "https://si-joint-screening.example.org/fhir/CodeSystem/pain-side",
                    "version": "2026.12",
                    "concept": PAIN_SIDE_CONCEPTS,
                }
            ]
        },
    }
    assert "<td>In the middle</td>" in cs["text"]["div"]
    CodeSystem.model_validate(cs)
    ValueSet.model_validate(vs)


def test_a_yes_no_question_has_its_own_value_set_from_the_shared_system():
    [vs] = [r for r in terminology.value_set_resources() if r["id"] == "nicotine-use"]
    assert vs["compose"]["include"] == [
        {
            "system": YES_NO,
            "version": "2026.12",
            "concept": [{"code": "yes", "display": "Yes"}, {"code": "no", "display": "No"}],
        }
    ]


def test_the_repeated_injection_questions_share_their_code_system():
    by_link = _by_link(fhir_questionnaire())
    one = by_link["injection_1_guidance"]["answerOption"]
    two = by_link["injection_2_guidance"]["answerOption"]
    assert one == two
    assert one[0]["valueCoding"] == {
        "system": f"{PRODUCT}/CodeSystem/injection-guidance",
        "code": "xray_or_ct",
        "display": "An X-ray or CT scan",
    }
    ids = [r["id"] for r in terminology.code_system_resources()]
    assert ids.count("injection-guidance") == 1
    assert "injection-1-guidance" not in ids
    [cs] = [r for r in terminology.code_system_resources() if r["id"] == "injection-guidance"]
    assert cs["title"] == "Answers to: Injection n: what was used to guide the needle?"


def test_every_answer_option_is_a_concept_of_its_code_system_with_the_same_display():
    for release in releases.every():
        concepts = {
            (cs["url"], c["code"]): c["display"]
            for cs in terminology.code_system_resources(release.questionnaire)
            for c in cs["concept"]
        }
        resource = fhir_questionnaire(release.questionnaire)
        for item in _items(resource):
            for option in item.get("answerOption", []):
                coding = option["valueCoding"]
                assert concepts[(coding["system"], coding["code"])] == coding["display"]


def test_a_2026_11_empty_optional_multi_choice_is_the_answer_none_selected():
    old = releases.of("2026.11").questionnaire
    item = _by_link(fhir_questionnaire(old))["imaging"]
    last = item["answerOption"][-1]
    assert last["valueCoding"] == {
        "system": f"{PRODUCT}/CodeSystem/imaging",
        "code": "none",
        "display": "None selected",
    }
    assert _ext(last, "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive")


def test_the_coding_alias_is_kept():
    assert terminology._coding is terminology.coding


# --- the SDC Questionnaire ------------------------------------------------------------------


def test_the_questionnaire_claims_sdc_and_says_who_when_and_in_what_language():
    resource = fhir_questionnaire()
    assert resource["meta"]["profile"] == [
        "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire|3.0.0"
    ]
    assert resource["publisher"] == "SI joint screening"
    assert resource["date"] == "2026-12"
    assert resource["language"] == "en"
    assert resource["status"] == "active"
    Questionnaire.model_validate(resource)


def test_choice_controls_match_the_web_form():
    by_link = _by_link(fhir_questionnaire())
    assert _control(by_link["pain_side"]) == "radio-button"
    assert _control(by_link["rf_fever"]) == "radio-button"
    assert _control(by_link["pain_locations"]) == "check-box"
    assert _control(by_link["treatments_tried"]) == "check-box"
    assert _control(by_link["pain_average"]) is None
    assert _control(by_link["name"]) is None


def test_hints_are_help_items():
    by_link = _by_link(fhir_questionnaire())
    [help_] = by_link["name"]["item"]
    assert help_["linkId"] == "name-help"
    assert help_["type"] == "display"
    assert help_["text"] == "So the clinic can match this summary to you."
    assert _control(help_) == "help"
    [relief] = by_link["injection_2_relief"]["item"]
    assert relief["text"] == (
        "As a percentage from 0 to 100. For example, 80 means your pain was 80% less."
    )
    assert "item" not in by_link["pain_side"]  # no hint, no help
    for q in questionnaire.QUESTIONS:
        if q.hint:
            assert by_link[f"{q.key}-help"]["text"] == str(q.hint)


def test_units_in_ucum():
    by_link = _by_link(fhir_questionnaire())
    ucum = "http://unitsofmeasure.org"
    assert _unit(by_link["height_cm"]) == {"system": ucum, "code": "cm", "display": "cm"}
    assert _unit(by_link["weight_kg"]) == {"system": ucum, "code": "kg", "display": "kg"}
    assert _unit(by_link["injection_1_relief"]) == {"system": ucum, "code": "%", "display": "%"}
    assert _unit(by_link["physical_therapy_weeks"]) == {
        "system": ucum,
        "code": "wk",
        "display": "weeks",
    }
    assert _unit(by_link["steroid_injection_relief_weeks"])["code"] == "wk"
    assert _unit(by_link["pain_average"]) is None
    assert _unit(by_link["steroid_injection_count"]) is None
    old = _by_link(fhir_questionnaire(releases.of("2026.11").questionnaire))
    assert _unit(old["pain_duration_months"])["code"] == "mo"


def test_the_pain_score_has_its_loinc_code():
    by_link = _by_link(fhir_questionnaire())
    assert by_link["pain_average"]["code"] == [
        {
            "system": "http://loinc.org",
            "code": "72514-3",
            "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        }
    ]
    assert by_link["height_cm"]["code"][0]["code"] == "8302-2"
    assert by_link["weight_kg"]["code"][0]["code"] == "29463-7"
    assert "code" not in by_link["pain_interference"]


def test_lengths_ranges_and_exclusive_answers():
    by_link = _by_link(fhir_questionnaire())
    assert by_link["name"]["maxLength"] == 100
    assert _ext(by_link["pain_average"], "http://hl7.org/fhir/StructureDefinition/minValue") == [
        {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0}
    ]
    assert _ext(by_link["pain_average"], "http://hl7.org/fhir/StructureDefinition/maxValue") == [
        {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 10}
    ]

    def exclusive(key: str) -> list[str]:
        return [
            o["valueCoding"]["code"]
            for o in by_link[key]["answerOption"]
            if _ext(o, "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive")
        ]

    assert exclusive("other_conditions") == ["none"]
    codes = [o["valueCoding"]["code"] for o in by_link["other_conditions"]["answerOption"]]
    assert codes[-2:] == ["not_sure", "none"]  # "not sure" stays an answer
    assert exclusive("imaging_other_problem") == ["not_sure"]
    assert exclusive("pain_side") == []


def test_the_repeated_injection_group_is_one_group_per_injection():
    by_link = _by_link(fhir_questionnaire())
    for n in (1, 2):
        group = by_link[f"injection_{n}"]
        assert group["type"] == "group"
        assert "repeats" not in group
        assert [i["linkId"] for i in group["item"]] == [
            f"injection_{n}_guidance",
            f"injection_{n}_relief",
            f"injection_{n}_relief_lasted",
        ]
        assert by_link[f"injection_{n}_relief"]["enableWhen"] == [
            {"question": "diagnostic_injection_count", "operator": ">=", "answerInteger": n}
        ]


def _xhtml(div: str) -> ET.Element:
    root = ET.fromstring(div)  # noqa: S314 - our own output, checked to be well-formed XHTML
    assert root.tag == "{http://www.w3.org/1999/xhtml}div"
    assert "".join(root.itertext()).strip()
    return root


@pytest.mark.parametrize("version", [r.version for r in releases.every()])
def test_every_resource_has_a_narrative(version):
    definition = releases.of(version).questionnaire
    resources = [fhir_questionnaire(definition), *terminology.terminology_resources(definition)]
    for resource in resources:
        assert resource["text"]["status"] == "generated", resource["id"]
        _xhtml(resource["text"]["div"])
    text = "".join(_xhtml(resources[0]["text"]["div"]).itertext())
    assert str(definition.by_key["pain_side"].text) in text


def test_narratives_escape_the_tree_s_words():
    odd = Question(
        "odd",
        "single",
        "Is 1 < 2 & \"x\" > 'y'?",
        "odd",
        choices=(Choice("a", "<script>alert(1)</script>"), Choice("b", "B & b")),
    )
    definition = _tree_with(odd)
    for resource in (
        fhir_questionnaire(definition),
        *terminology.terminology_resources(definition),
    ):
        div = resource["text"]["div"]
        assert "<script>" not in div
        text = "".join(_xhtml(div).itertext())
        assert "<script>alert(1)</script>" in text  # shown as text, not markup


def test_every_text_is_the_tree_s_wording():
    for q in questionnaire.QUESTIONS:
        item = questionnaire_item(q)
        assert item["text"] == str(q.text)
        for option in item.get("answerOption", []):
            assert option["valueCoding"]["display"] == q.label_of(option["valueCoding"]["code"])


# --- docs/fhir --------------------------------------------------------------------------------


def test_generated_fhir_docs_are_up_to_date():
    for name, text in docs.generate().items():
        committed = (ROOT / "docs" / "fhir" / name).read_text(encoding="utf-8")
        assert committed == text, f"run `make docs` to regenerate docs/fhir/{name}"


def test_the_terminology_bundle_in_docs_holds_valid_resources():
    bundle = docs.terminology_bundle()
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {"CodeSystem", "ValueSet"}
    for entry in bundle["entry"]:
        model = CodeSystem if entry["resource"]["resourceType"] == "CodeSystem" else ValueSet
        model.model_validate(entry["resource"])
