"""Every user-facing string can be translated: gettext extraction finds the product's words."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from screening import ROOT, questionnaire
from screening.criteria import RED_FLAG_TITLE, STATUS_LABELS


def test_extraction_finds_questions_pages_and_criteria_words(tmp_path: Path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext"]
        + ["-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    catalogue = pot.read_text()
    wanted = [
        str(questionnaire.BY_KEY["pain_started"].text),  # the definition
        str(questionnaire.BY_KEY["treatments_tried"].label_of("none")),
        # repeated questions and each treatment's page: one text, its number or name filled in
        "Injection %(n)s: what was used to guide the needle?",
        "How well can you do activity %(n)s now?",
        "How did %(t)s work for you?",
        "For about how many weeks did you try %(t)s?",
        # the boxes of a date or a month, and their messages
        "Month",
        "Year",
        "%(what)s must include a month and year",
        str(RED_FLAG_TITLE),  # the safety advice
        str(STATUS_LABELS["met"]),  # the comparison
        "There is a problem",  # a template
        "Submit your answers",
        "Sign in",
    ]
    for text in wanted:
        assert f'msgid "{text}"' in catalogue, text
