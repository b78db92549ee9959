"""Releases: a version of the questionnaire with the criteria and engine it was released with.

A screening is always shown with the release it was answered under (its `questionnaire_version`):
the answers by that release's tree, the questions to ask by its rules, its words for statuses.
The current release is the one patients answer now; earlier ones are frozen in
`screening.legacy`. Pure: no Flask app, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from . import criteria, engine, questionnaire
from .definition import Definition
from .legacy import criteria_2026_11, engine_2026_11, questionnaire_2026_11


@dataclass(frozen=True)
class Release:
    """One questionnaire version, with its criteria data and its engine."""

    questionnaire: Definition
    criteria: ModuleType
    engine: ModuleType
    # How its summaries look: the template and stylesheet its screenings were sent with (a
    # release's summary is frozen with it, so a sent screening prints as it was sent).
    summary_template: str = "summary/summary.html"
    summary_stylesheet: str = "summary.css"

    @property
    def version(self) -> str:
        """The questionnaire version, as screenings store it."""
        return self.questionnaire.version


def current() -> Release:
    """The release patients answer now (looked up when called, so a test may replace parts)."""
    return Release(questionnaire.CURRENT, criteria, engine)


# Earlier releases, frozen: screenings answered under them are shown with them.
LEGACY: dict[str, Release] = {
    "2026.11": Release(
        questionnaire_2026_11.DEFINITION,
        criteria_2026_11,
        engine_2026_11,
        summary_template="summary_2026_11/summary.html",
        summary_stylesheet="summary_2026_11.css",
    ),
}


def of(version: str | None) -> Release:
    """The release of a questionnaire version (the current one when not given)."""
    if version is None or version == questionnaire.QUESTIONNAIRE_VERSION:
        return current()
    try:
        return LEGACY[version]
    except KeyError:
        raise KeyError(f"no questionnaire release {version!r}") from None


def every() -> list[Release]:
    """Every release: the current one first, then the earlier ones, newest first."""
    return [current(), *reversed(LEGACY.values())]
