"""Real-browser fixtures: the app served on 127.0.0.1 and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from support import EMERGENCY_KEYS, URGENT_KEYS
from support.clinic import PASSWORD
from werkzeug.serving import make_server

from screening import create_app
from screening.extensions import db

CHROMIUM = "/usr/bin/chromium"
# Chromium must not try to reach the network: this machine and many clinics have none.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives Chromium: it is a `browser` test even if its module
    forgets to say so, so that `make test-fast` (-m "not browser ...") never starts Chromium."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


class LiveServer:
    """The app in a background thread on a free port."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_app(tmp_path: Path):
    """A production-like app (CSRF on) on its own SQLite file."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.db'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def live_server(live_app) -> Iterator[LiveServer]:
    """The live app, served until the test ends."""
    server = LiveServer(live_app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium from the system packages (Playwright's own download is not used)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (its own cookies) and page."""
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    yield page
    context.close()


# --- a whole 2026.12 journey, as a patient fills it in ---------------------------------------------
# (tests/support/browser.py still describes the 2026.11 pages; these helpers replace it here.)

# What the browser tests fill in on each page, a complete journey with no red flag: radios and
# checkboxes as "name:value", text boxes by id (a date's boxes are "<key>-day", "-month", "-year";
# feet and inches "<key>-ft", "-in"). Two treatments tried, so two treatment pages; two numbing
# injections, so injection 2 is asked too.
JOURNEY_FILLS: dict[str, dict] = {
    # The safety pages come first: "no" to each sign.
    "safety_emergency": {"radios": [f"{k}:no" for k in EMERGENCY_KEYS]},
    "safety_urgent": {"radios": [f"{k}:no" for k in URGENT_KEYS]},
    "about": {
        "text": {
            "name": "Sam Patient",
            "date_of_birth-day": "29",
            "date_of_birth-month": "2",
            "date_of_birth-year": "1980",
            "height_cm-ft": "5",
            "height_cm-in": "9",
            "weight_kg-st": "11",
            "weight_kg-lb": "4",
        }
    },
    "pain": {
        "text": {"pain_started-month": "3", "pain_started-year": "2025"},
        "checks": ["pain_locations:lower_back", "pain_locations:buttock"],
        "radios": ["pain_side:left", "leg_numbness:no"],
    },
    "pain_more": {"radios": ["points_to_si_joint:yes"], "checks": ["pain_triggers:stairs"]},
    "pain_scores": {"radios": ["pain_average:7", "pain_interference:6"]},
    "activities": {"text": {"activity_1": "Putting on socks"}, "radios": ["activity_1_score:3"]},
    "treatments": {
        "checks": ["treatments_tried:physical_therapy", "treatments_tried:steroid_injection"]
    },
    "treatment_physical_therapy": {
        "text": {"physical_therapy_weeks": "12"},
        "radios": ["physical_therapy_result:temporary_relief"],
    },
    "treatment_steroid_injection": {
        "text": {"steroid_injection_count": "1", "steroid_injection_relief_weeks": "2"},
        "radios": ["steroid_injection_result:temporary_relief"],
    },
    "treatment_started": {
        "text": {"treatment_started-month": "6", "treatment_started-year": "2025"}
    },
    "tests": {"radios": ["exam_done:no"]},
    "injection": {
        "radios": ["diagnostic_injection:yes"],
        "text": {"diagnostic_injection_count": "2"},
    },
    "injection_details": {
        "radios": [
            "injection_1_guidance:xray_or_ct",
            "injection_1_relief_lasted:a_few_hours",
            "injection_2_guidance:ultrasound",
            "injection_2_relief_lasted:under_an_hour",
        ],
        "text": {"injection_1_relief": "80%", "injection_2_relief": "60"},
    },
    "health": {
        "checks": ["other_conditions:none"],
        "radios": ["pregnancy:not_applicable", "nicotine_use:no"],
    },
}


class Journey:
    """Moving through the patient pages in Chromium with JOURNEY_FILLS."""

    fills = JOURNEY_FILLS
    order: tuple[str, ...] = tuple(JOURNEY_FILLS)

    @staticmethod
    def fill(page: Page, key: str, spec: dict | None = None) -> None:
        """Fill one page (JOURNEY_FILLS[key], or the given spec), without submitting it."""
        spec = JOURNEY_FILLS[key] if spec is None else spec
        # Radios first: they reveal follow-up questions.
        for item in spec.get("radios", []):
            name, value = item.split(":")
            page.check(f"input[name='{name}'][value='{value}']")
        for item in spec.get("checks", []):
            name, value = item.split(":")
            page.check(f"input[name='{name}'][value='{value}']")
        for box_id, text in spec.get("text", {}).items():
            page.fill(f"[id='{box_id}']", text)

    @staticmethod
    def continue_(page: Page) -> None:
        """Select Continue and wait for the next page."""
        with page.expect_navigation():
            page.click("button[value=continue]")

    @staticmethod
    def start(page: Page, url: str) -> None:
        """Open the start page and select Start now."""
        page.goto(url + "/")
        with page.expect_navigation():
            page.click("text=Start now")

    def walk(self, page: Page, keys: tuple[str, ...] | list[str] | None = None, check=None) -> None:
        """Answer the pages in order, checking each is the page the app shows next."""
        for key in self.order if keys is None else keys:
            path = page.url.split("://", 1)[-1].split("/", 1)[-1]
            assert path.split("?")[0] == f"step/{key}", (key, page.url)
            self.fill(page, key)
            if check is not None:
                check(key)
            self.continue_(page)


@pytest.fixture
def journey() -> Journey:
    """The helpers that walk a patient through the 2026.12 pages."""
    return Journey()


# --- the clinic's side -----------------------------------------------------------------------------


def _sign_in(
    page: Page,
    url: str | None = None,
    email: str = "doctor@clinic.example",
    password: str = PASSWORD,
) -> None:
    """Sign a clinician in as a person does: open the sign-in page of the app at `url` (without
    `url`, use the sign-in page already open), type the email address and password into their
    labelled boxes and select Sign in; returns once the page that answers has loaded."""
    if url is not None:
        page.goto(url + "/clinician/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def clinician_sign_in() -> Callable[..., None]:
    """Signs a clinician in in Chromium: `clinician_sign_in(page, url, email=..., password=...)`
    (the account support.clinic.make_clinician makes, unless told otherwise)."""
    return _sign_in
