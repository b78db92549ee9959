"""The one questionnaire definition: the data dictionary, validation rules and conditions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import FULL, MINIMAL, full

from screening import questionnaire as q
from screening.engine import evaluate

TODAY = dt.date(2026, 11, 22)

DICTIONARY_KEYS = {
    "about": ["name", "date_of_birth", "height_cm", "weight_kg", "appointment_date"],
    "safety": ["red_flags"],
}


def test_keys_are_unique_and_every_step_question_is_defined_once():
    keys = [question.key for question in q.QUESTIONS]
    assert len(keys) == len(set(keys))
    in_steps = [k for step in q.STEPS for k in step.keys]
    assert sorted(in_steps) == sorted(keys)


def test_sections_hold_the_public_data_dictionary_keys():
    for section, keys in DICTIONARY_KEYS.items():
        assert [x.key for x in q.QUESTIONS if x.section == section] == keys
    treatments = {x.key for x in q.QUESTIONS if x.section == "treatments"}
    assert "physical_therapy_tried" in treatments
    assert "steroid_injection_result" in treatments
    assert "conservative_care_months" in treatments
    assert len(treatments) == 7 * 3 + 1


def test_conditions_only_refer_to_earlier_questions():
    seen: set[str] = set()
    for question in q.QUESTIONS:
        for when in question.when:
            assert when.key in seen, (question.key, when.key)
        seen.add(question.key)


def test_full_and_minimal_answers_validate():
    assert q.validate(FULL, TODAY) == FULL
    assert q.validate(MINIMAL, TODAY) == MINIMAL


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"pain_duration_months": -1}, "pain_duration_months", "0 or more"),
        ({"pain_duration_months": 10000}, "pain_duration_months", "600 or less"),
        ({"pain_duration_months": "six"}, "pain_duration_months", "whole number"),
        ({"pain_duration_months": 2.5}, "pain_duration_months", "whole number"),
        ({"pain_duration_months": True}, "pain_duration_months", "whole number"),
        ({"pain_duration_months": None}, "pain_duration_months", "Enter how many months"),
        ({"pain_average": 11}, "pain_average", "10 or less"),
        ({"height_cm": 99}, "height_cm", "100 or more"),
        ({"weight_kg": 301}, "weight_kg", "300 or less"),
        ({"date_of_birth": "2027-01-01"}, "date_of_birth", "today or in the past"),
        ({"date_of_birth": "1900-01-01"}, "date_of_birth", "120 years"),
        ({"date_of_birth": "1980-02-30"}, "date_of_birth", "real date"),
        ({"date_of_birth": "14/05/1972"}, "date_of_birth", "real date"),
        ({"name": "x" * 101}, "name", "100 characters"),
        ({"pain_side": "up"}, "pain_side", "from the list"),
        ({"pain_locations": []}, "pain_locations", "at least one"),
        ({"pain_locations": ["knee"]}, "pain_locations", "from the list"),
        ({"pain_locations": "buttock"}, "pain_locations", "from the list"),
        ({"red_flags": ["none", "cancer_history"]}, "red_flags", "None of these"),
        ({"red_flags": None}, "red_flags", "at least one"),
        ({"physical_therapy_weeks": None}, "physical_therapy_weeks", "Enter how many weeks"),
        ({"diagnostic_injection_relief": 101}, "diagnostic_injection_relief", "100 or less"),
        ({"diagnostic_injection_count": 0}, "diagnostic_injection_count", "1 or more"),
        ({"favourite_colour": "blue"}, "favourite_colour", "not a question"),
    ],
)
def test_bad_values_are_refused_with_a_message_naming_the_rule(changes, key, message):
    with pytest.raises(q.AnswerError) as caught:
        q.validate(full(**changes) | {k: v for k, v in changes.items() if v is not None}, TODAY)
    assert caught.value.key == key
    assert message in caught.value.message


def test_an_answer_to_a_question_not_asked_is_refused():
    answers = full(exam_done="no", exam_result=None, exam_positive_tests=None)
    answers["exam_result"] = "did_not"
    with pytest.raises(q.AnswerError, match="not asked") as caught:
        q.validate(answers, TODAY)
    assert caught.value.key == "exam_result"


def test_prune_removes_answers_whose_condition_no_longer_holds():
    answers = dict(FULL, diagnostic_injection="no")
    pruned = q.prune(answers)
    assert pruned["diagnostic_injection"] == "no"
    for key in ("diagnostic_injection_count", "diagnostic_injection_guided"):
        assert key not in pruned
    # conservative_care_months is asked while any treatment was tried
    none_tried = {k: ("no" if k.endswith("_tried") else v) for k, v in FULL.items()}
    assert "conservative_care_months" not in q.prune(none_tried)
    assert "physical_therapy_weeks" not in q.prune(none_tried)


def test_multi_choice_is_normalised_to_definition_order_without_repeats():
    answers = full(pain_locations=["buttock", "lower_back", "buttock"])
    assert q.validate(answers, TODAY)["pain_locations"] == ["lower_back", "buttock"]


def test_parse_form_reads_posted_text():
    months = q.BY_KEY["pain_duration_months"]
    assert months.parse_form(" 120 ") == 120
    assert months.parse_form("") is None
    with pytest.raises(q.AnswerError, match="whole number"):
        months.parse_form("six")
    with pytest.raises(q.AnswerError, match="digits 0 to 9"):
        months.parse_form("١٢")  # Arabic-Indic digits are not accepted silently
    assert q.BY_KEY["date_of_birth"].parse_form("1972-05-14") == "1972-05-14"
    assert q.BY_KEY["pain_locations"].parse_form(["hip"]) == ["hip"]


def test_first_unanswered_step():
    assert q.first_unanswered_step({}).key == "pain"
    assert q.first_unanswered_step(FULL) is None
    assert q.first_unanswered_step(full(red_flags=None)).key == "safety"


def test_answers_in_words():
    assert q.BY_KEY["pain_duration_months"].in_words(18) == "18 months"
    assert q.BY_KEY["pain_locations"].in_words(["lower_back", "hip"]) == "Lower back, Hip"
    assert q.BY_KEY["name"].in_words(None) == "Not provided"
    # an optional "select all that apply" left empty means none applied
    assert q.BY_KEY["other_conditions"].in_words([]) == "None selected"
    assert q.BY_KEY["pain_locations"].in_words([]) == "Not provided"
    assert q.BY_KEY["date_of_birth"].in_words("1972-05-14") == "14 May 1972"


def test_data_dictionary_records():
    records = {r["key"]: r for r in q.data_dictionary()}
    assert records["pain_average"] == records["pain_average"] | {"min": 0, "max": 10}
    assert records["red_flags"]["exclusive"] == "none"
    assert records["imaging_result"]["asked_when"] == [{"key": "imaging", "op": "nonempty"}]
    assert [v["value"] for v in records["pain_side"]["values"]] == [
        "left",
        "right",
        "both",
        "middle",
    ]


# --- property: the engine never raises on anything the definition accepts -------------------


def _value_strategy(question: q.Question):
    if question.type == "integer":
        return st.integers(question.min, question.max)
    if question.type == "single":
        return st.sampled_from(question.values)
    if question.type == "multi":
        if question.exclusive:
            others = [v for v in question.values if v != question.exclusive]
            return st.one_of(
                st.just([question.exclusive]), st.lists(st.sampled_from(others), min_size=1)
            )
        return st.lists(st.sampled_from(question.values), min_size=1 if question.required else 0)
    if question.type == "date":
        if question.date_rule == "past":
            return st.dates(dt.date(1907, 1, 1), TODAY).map(dt.date.isoformat)
        return st.dates(dt.date(2022, 1, 1), dt.date(2031, 12, 31)).map(dt.date.isoformat)
    return st.text(max_size=question.max_length or 50)


@st.composite
def accepted_answers(draw):
    """Any answers the definition accepts (each question answered or not, under its rules)."""
    answers: dict = {}
    for question in q.QUESTIONS:
        if not question.is_asked(answers):
            continue
        if question.required or draw(st.booleans()):
            try:
                value = question.check(draw(_value_strategy(question)), TODAY)
            except q.AnswerError:
                # Only text can be refused here (a hidden character, a line break): the
                # question is then left unanswered, as the patient would have to.
                assert question.type == "text"
                continue
            if value is not None and value != []:
                answers[question.key] = value
    return answers


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(answers=accepted_answers(), profile=st.sampled_from(["documents", "published"]))
def test_engine_never_raises_on_accepted_answers(answers, profile):
    clean = q.validate(answers, TODAY)
    evaluation = evaluate(clean, profile, on=TODAY)
    assert evaluation.overall in {"urgent", "consistent", "not_consistent", "incomplete"}
    assert all(c.status in {"met", "not_met", "unknown"} for c in evaluation.criteria)
    assert (evaluation.overall == "urgent") == any(f != "none" for f in clean["red_flags"])


@settings(max_examples=200, deadline=None)
@given(answers=accepted_answers())
def test_engine_never_raises_on_partial_answers(answers):
    # Drafts are partial: the engine must cope with any subset.
    partial = {k: v for i, (k, v) in enumerate(answers.items()) if i % 2}
    assert evaluate(partial, on=TODAY).overall in {
        "urgent",
        "consistent",
        "not_consistent",
        "incomplete",
    }


@pytest.mark.parametrize(
    ("typed", "message"), [("9" * 5000, "600 or less"), ("-" + "9" * 5000, "0 or more")]
)
def test_a_number_of_thousands_of_digits_is_out_of_range_not_a_crash(typed, message):
    with pytest.raises(q.AnswerError, match=message):
        q.BY_KEY["pain_duration_months"].parse_form(typed)
    assert q.BY_KEY["pain_duration_months"].parse_form("0000000000012") == 12


# --- numbers as typed: whole numbers in ASCII digits, nothing guessed ------------------------

MONTHS = "how many months you have had this pain"
WHOLE = f"Enter {MONTHS} as a whole number, like 12"
NO_SEPARATORS = f"Enter {MONTHS} as a whole number without commas, dots or spaces, like 12"
DIGITS_0_TO_9 = f"Enter {MONTHS} using the digits 0 to 9, like 12"
AT_LEAST_0 = f"The number for {MONTHS} must be 0 or more"
AT_MOST_600 = f"The number for {MONTHS} must be 600 or less"


def _typed(key: str, text: str):
    """What the step form does with a posted answer: parse it, then check it."""
    question = q.BY_KEY[key]
    return question.check(question.parse_form(text), TODAY)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12", 12),
        ("0", 0),
        ("600", 600),
        ("  12  ", 12),
        ("\t12\r\n", 12),
        ("\u00a012\u3000", 12),  # no-break and ideographic spaces around it
        ("007", 7),
        ("-0", 0),
        ("0000000000000000005", 5),  # 19 characters
        ("00000000000000000005", 5),  # 20 characters, the most
    ],
)
def test_a_whole_number_is_read_as_typed(typed, expected):
    assert _typed("pain_duration_months", typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # a comma or a dot: a decimal or a thousands separator, never guessed
        ("1,5", NO_SEPARATORS),
        ("7.5", NO_SEPARATORS),
        ("1,200", NO_SEPARATORS),
        ("1.200", NO_SEPARATORS),
        ("12.", NO_SEPARATORS),
        (".5", NO_SEPARATORS),
        ("-1,5", NO_SEPARATORS),
        ("1 2", NO_SEPARATORS),
        ("1\u00a0200", NO_SEPARATORS),
        # signs: one leading minus at most, and no plus
        ("--5", WHOLE),
        ("---0", WHOLE),
        ("-", WHOLE),
        ("- 5", NO_SEPARATORS),
        ("+5", WHOLE),
        ("5-", WHOLE),
        ("1-2", WHOLE),
        ("\u22125", WHOLE),  # a minus sign that is not the ASCII hyphen-minus
        # words and other notations
        ("six", WHOLE),
        ("1e3", WHOLE),
        ("0x10", WHOLE),
        ("1_000", WHOLE),
        ("12 months", WHOLE),
        ("NaN", WHOLE),
        # digits of other scripts are refused, not converted
        ("\u0661\u0662", DIGITS_0_TO_9),  # Arabic-Indic 12
        ("\uff11\uff12", DIGITS_0_TO_9),  # full-width 12
        ("1\uff12", DIGITS_0_TO_9),
        ("\u00b2", DIGITS_0_TO_9),  # superscript two
        ("\u0967\u0968", DIGITS_0_TO_9),  # Devanagari 12
        # negatives and big numbers are out of range, with the range message
        ("-5", AT_LEAST_0),
        ("-1", AT_LEAST_0),
        ("601", AT_MOST_600),
        ("9999999999", AT_MOST_600),
        ("9" * 5000, AT_MOST_600),
        ("-" + "9" * 5000, AT_LEAST_0),
        ("0" * 5000 + "9" * 12, AT_MOST_600),
        # thousands of leading zeros: refused (no one types them), never a crash
        ("0" * 21, WHOLE),
        ("0" * 20 + "5", WHOLE),
        ("0" * 5000 + "5", WHOLE),
        ("-" + "0" * 5000 + "5", WHOLE),
        ("0" * 60000, WHOLE),
    ],
)
def test_a_number_that_is_not_a_plain_whole_number_gets_a_clear_message(typed, message):
    with pytest.raises(q.AnswerError) as caught:
        _typed("pain_duration_months", typed)
    assert caught.value.key == "pain_duration_months"
    assert caught.value.message == message


def test_number_messages_name_the_question():
    with pytest.raises(q.AnswerError) as caught:
        _typed("height_cm", "1.7")
    assert caught.value.message == (
        "Enter your height as a whole number without commas, dots or spaces, like 12"
    )
    with pytest.raises(q.AnswerError) as caught:
        _typed("height_cm", "-170")
    assert caught.value.message == "The number for your height must be 100 or more"


# --- names: one line, no hidden characters, something you can see ----------------------------

ONE_LINE = "Your name must be on one line"
HIDDEN = (
    "Your name has a hidden or unusual character in it: please type it again instead of pasting it"
)
VISIBLE = "Enter your name using letters you can see"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Alex Example", "Alex Example"),
        ("  Alex Example  ", "Alex Example"),
        ("Zoë O’Brien-Smith", "Zoë O’Brien-Smith"),
        ("Siobhán Ní Dhuibhir", "Siobhán Ní Dhuibhir"),
        ("D'Arcy St. John", "D'Arcy St. John"),
        ("Jose\u0301 Nun\u0303ez", "José Nuñez"),  # combining accents: composed (NFC)
        ("Ann\u00a0Marie", "Ann\u00a0Marie"),  # a no-break space inside
        ("王小明", "王小明"),
        ("محمد علي", "محمد علي"),
        ("דוד לוי", "דוד לוי"),
        ("علی\u200cرضا", "علی\u200cرضا"),  # Persian: a zero-width non-joiner between letters
        ("ශ්\u200dරී", "ශ්\u200dරී"),  # Sinhala: a zero-width joiner after a vowel sign
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("Ørjan Åsmund", "Ørjan Åsmund"),
        ("Alex \u2013 Example", "Alex \u2013 Example"),
        ("   ", None),  # only spaces: the same as leaving it empty
        ("\u3000\u00a0\u2007", None),
    ],
)
def test_real_names_are_kept(typed, expected):
    assert _typed("name", typed) == expected
    if expected is not None:
        assert q.validate({**MINIMAL, "name": typed}, TODAY)["name"] == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Alex\nExample", ONE_LINE),
        ("Alex\r\nExample", ONE_LINE),
        ("Alex\u2028Example", ONE_LINE),  # line separator
        ("Alex\u2029Example", ONE_LINE),  # paragraph separator
        ("Alex\u0085Example", ONE_LINE),  # next line
        ("Alex\x0bExample", ONE_LINE),
        ("Alex\x0cExample", ONE_LINE),
        ("Alex\x1cExample", ONE_LINE),
        ("\u202eelpmaxE xelA", HIDDEN),  # right-to-left override
        ("Alex\u202dExample", HIDDEN),  # left-to-right override
        ("Alex\u202aExample\u202c", HIDDEN),  # embedding and pop
        ("Alex\u202bExample", HIDDEN),
        ("\u2066Alex\u2069", HIDDEN),  # isolates
        ("Alex\u2067Example", HIDDEN),
        ("Alex\u2068Example", HIDDEN),
        ("Alex Example\u200e", HIDDEN),  # left-to-right mark
        ("\u200fAlex", HIDDEN),  # right-to-left mark
        ("محمد\u061c", HIDDEN),  # Arabic letter mark
        ("Alex\ud800Example", HIDDEN),  # a lone surrogate
        ("\udfff", HIDDEN),
        ("Alex\x00Example", HIDDEN),
        ("Alex\tExample", HIDDEN),
        ("Alex\x7fExample", HIDDEN),
        ("Alex\x9bExample", HIDDEN),  # a C1 control
        ("\u200b", HIDDEN),  # zero-width space
        ("\u200b\u200c\u200d", HIDDEN),
        ("\u200c", HIDDEN),  # a joiner with no letters around it
        ("Alex\u200d", HIDDEN),
        ("\u2060", HIDDEN),  # word joiner
        ("\ufeff", HIDDEN),  # byte order mark
        ("Al\ufeffex", HIDDEN),
        ("\u00ad", HIDDEN),  # soft hyphen
        ("Alex\u00adExample", HIDDEN),
        ("Al\u200bex", HIDDEN),
        (" \u200b \u200b ", HIDDEN),
        ("\u0301", VISIBLE),  # a combining accent alone
        ("\u0301\u0308\u0327", VISIBLE),
        (" \u0301 \u0301 ", VISIBLE),
        ("\u3164\u3164", VISIBLE),  # Hangul fillers: letters that show nothing
        ("\u115f\u1160", VISIBLE),
        ("\uffa0", VISIBLE),
        ("\u2800", VISIBLE),  # braille blank
    ],
)
def test_names_with_line_breaks_hidden_characters_or_nothing_visible_are_refused(typed, message):
    with pytest.raises(q.AnswerError) as caught:
        _typed("name", typed)
    assert caught.value.key == "name"
    assert caught.value.message == message
    # The same rule for answers that come from a file (the command line).
    with pytest.raises(q.AnswerError) as caught:
        q.validate({**MINIMAL, "name": typed}, TODAY)
    assert caught.value.message == message


def test_the_length_limit_counts_composed_characters():
    assert _typed("name", "e\u0301" * 100) == "é" * 100
    with pytest.raises(q.AnswerError, match="100 characters or fewer"):
        _typed("name", "e\u0301" * 101)
