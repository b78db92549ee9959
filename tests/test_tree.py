"""The questionnaire tree: its rules are checked at import, and adding a question is one change.

The last test is the paper exercise of the architecture made real: a new yes/no question that
raises a flag is added to a copy of the tree and to the criteria data, nothing else, and it is
found on every output: the step page, check answers, the stored evaluation, the clinician's
page, the PDF, CSV, FHIR and the data dictionary.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace

import pypdf
import pytest
from support import FULL, form_data
from support.clinic import make_clinician, sign_in

from screening import criteria, exports, fhir, pdf, questionnaire
from screening.criteria import Check, Flag, Source, one
from screening.extensions import db
from screening.models import Screening
from screening.questionnaire import (
    YES_NO,
    DefinitionError,
    Group,
    Question,
    Section,
    Step,
    When,
    build,
)


def _yes_no(key: str, text: str = "A question?", **kw) -> Question:
    return Question(key, "single", text, "the answer", choices=YES_NO, **kw)


def _tree(*items) -> tuple[Section, ...]:
    return build(Section("s", "Section", steps=(Step("p", "Page", items=tuple(items)),)))


# --- the tree's own rules ---------------------------------------------------------------------


def test_every_question_is_placed_by_the_tree():
    q = questionnaire.BY_KEY["physical_therapy_weeks"]
    assert (q.section, q.step, q.group) == (
        "treatments",
        "treatment_physical_therapy",
        "physical_therapy",
    )
    q = questionnaire.BY_KEY["injection_2_relief"]
    assert (q.section, q.step, q.group) == ("tests", "injection_details", "injection_2")
    q = questionnaire.BY_KEY["pain_started"]
    assert (q.section, q.step, q.group) == ("pain", "pain", None)
    assert questionnaire.BY_KEY["name"].group is None
    # The order of the questions is the order patients walk the steps.
    walked = [q.key for s in questionnaire.STEPS for q in s.questions]
    assert walked == [q.key for q in questionnaire.QUESTIONS]


def test_a_key_used_twice_is_refused():
    with pytest.raises(DefinitionError, match="'a' is used twice"):
        _tree(_yes_no("a"), _yes_no("a"))


def test_a_condition_on_a_later_question_is_refused():
    with pytest.raises(DefinitionError, match="'a' depends on 'b', which is not an earlier"):
        _tree(_yes_no("a", when=(When("b", "eq", "yes"),)), _yes_no("b"))


def test_a_condition_on_a_value_the_question_never_takes_is_refused():
    with pytest.raises(DefinitionError, match="never takes"):
        _tree(_yes_no("a"), _yes_no("b", when=(When("a", "eq", "maybe"),)))


def test_a_repeated_group_asks_the_same_questions_for_each_item():
    tree = _tree(
        Group(
            "injection",
            "Injection %(n)s",
            (
                _yes_no("injection_{n}_done", "Did you have injection %(n)s?"),
                Question(
                    "injection_{n}_relief",
                    "integer",
                    "How much did injection %(n)s help?",
                    "relief",
                    when=(When("injection_{n}_done", "eq", "yes"),),
                ),
            ),
            repeat=2,
        )
    )
    step = tree[0].steps[0]
    assert step.keys == (
        "injection_1_done",
        "injection_1_relief",
        "injection_2_done",
        "injection_2_relief",
    )
    second = step.questions[3]
    assert str(second.text) == "How much did injection 2 help?"
    assert second.when == (When("injection_2_done", "eq", "yes"),)
    assert second.group == "injection_2"
    assert [str(g.label) for g in step.items] == ["Injection 1", "Injection 2"]
    # Item 2's follow-up depends on item 2 only.
    assert second.is_asked({"injection_1_done": "no", "injection_2_done": "yes"})
    assert not second.is_asked({"injection_1_done": "yes", "injection_2_done": "no"})


# --- the paper exercise ---------------------------------------------------------------------------

NEW_KEY = "previous_hip_operation"
NEW_TEXT = "Have you had an operation on your hip?"
NEW_LABEL = "Hip surgery"
NEW_FLAG = "An earlier operation on the hip was mentioned."


def test_the_paper_exercise_adds_a_question_the_tree_does_not_have():
    # The exercise is only meaningful while its question is really new.
    assert NEW_KEY not in questionnaire.BY_KEY
    assert NEW_TEXT not in {str(q.text) for q in questionnaire.QUESTIONS}
    assert NEW_KEY not in criteria.FLAGS


@pytest.fixture
def new_question(monkeypatch):
    """The tree and criteria data with one new question and its flag; nothing else changed."""
    sections = []
    for section in questionnaire.TREE:
        steps = tuple(
            replace(step, items=(*step.items, _yes_no(NEW_KEY, NEW_TEXT, label=NEW_LABEL)))
            if step.key == "health"
            else step
            for step in section.steps
        )
        sections.append(replace(section, steps=steps))
    tree = build(*sections)
    steps = tuple(step for s in tree for step in s.steps)
    questions = tuple(q for step in steps for q in step.questions)
    for name, value in {
        "CURRENT": questionnaire.Definition(questionnaire.QUESTIONNAIRE_VERSION, tree),
        "TREE": tree,
        "SECTIONS": tree,
        "STEPS": steps,
        "QUESTIONS": questions,
        "BY_KEY": {q.key: q for q in questions},
        "STEP_BY_KEY": {s.key: s for s in steps},
    }.items():
        monkeypatch.setattr(questionnaire, name, value)
    flag = Flag(
        id=NEW_KEY,
        title="an earlier hip operation",
        text=NEW_FLAG,
        sources=(Source("test", "test"),),
        when=one(Check(NEW_KEY, "eq", "yes")),
        reads=(NEW_KEY,),
    )
    monkeypatch.setitem(criteria.FLAGS, NEW_KEY, flag)


def test_a_new_question_with_a_flag_appears_on_every_output(app, client, new_question):
    # The patient answers it on its page and sees it on the check page.
    client.post("/start")
    assert NEW_TEXT in client.get("/step/health").text
    db.session.execute(db.update(Screening).values(answers=dict(FULL)))
    db.session.commit()
    health = {**form_data(questionnaire.STEP_BY_KEY["health"], FULL), NEW_KEY: "yes"}
    assert client.post("/step/health", data=health).status_code == 302
    check = client.get("/check").text
    assert re.search(r"Hip surgery</dt>\s*<dd[^>]*>Yes<", check)
    assert f'href="/step/health?return=check#{NEW_KEY}"' in check
    assert client.post("/check").location == "/confirmation"

    screening = db.session.scalar(db.select(Screening))
    db.session.refresh(screening)
    assert screening.answers[NEW_KEY] == "yes"
    assert {k: v for k, v in screening.answers.items() if k != NEW_KEY} == FULL
    assert [f["id"] for f in screening.evaluation["flags"]] == [NEW_KEY]

    # The clinician's page and the PDF show the answer and the flag.
    make_clinician()
    clinician = app.test_client()
    sign_in(clinician)
    page = clinician.get(f"/clinician/screenings/{screening.reference}").text
    assert NEW_LABEL in page and NEW_FLAG in page
    reader = pypdf.PdfReader(io.BytesIO(pdf.get_or_render_pdf(screening)))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Hip surgery Yes" in text and NEW_FLAG in text

    # Exports and the data dictionary.
    csv_text = exports.to_csv([screening])
    header, row = csv_text.splitlines()[:2]
    assert NEW_KEY in header.split(",")
    assert row.split(",")[header.split(",").index(NEW_KEY)] == "yes"
    linked = json.dumps(fhir.fhir_questionnaire())
    assert f'"linkId": "{NEW_KEY}"' in linked and NEW_TEXT in linked
    response = json.dumps(fhir.fhir_questionnaire_response(screening))
    assert f'"linkId": "{NEW_KEY}"' in response
    dictionary = app.test_cli_runner().invoke(args=["questions", "--format", "json"]).stdout
    assert NEW_KEY in [q["key"] for q in json.loads(dictionary)["questions"]]
