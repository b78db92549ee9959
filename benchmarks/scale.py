"""Scale benchmark: the clinician's lists, exports and PDF as the screenings grow (issue 16).

In one run, on SQLite and on PostgreSQL (`--db`), a fresh database migrated with
`flask db upgrade` is filled by `flask seed-demo` (realistic submitted screenings with their
evaluations, audit rows, follow-ups and reviews) to 1,000 and then 20,000 screenings (and
100,000 with `--full`; `--sizes` for others), adding only the difference each time. At each size
the app runs under gunicorn with `gunicorn.conf.py` and the production settings (CSRF and rate
limits on), with one worker process (WEB_CONCURRENCY=1), so that every request is served by the
process whose memory is read; an administrator signs in over HTTP as a browser does.

On PostgreSQL each seeding is followed by `VACUUM ANALYZE`, what autovacuum does on a production
server after such a bulk load (it is off on some test servers, and without statistics the
planner ignores the search indexes). `seed-demo` itself ends with `ANALYZE` on both.

- **Routes**: each one requested 3 times to warm up, then 30 times, one `requests` session, one
  request at a time, the routes interleaved (request 1 of every route, then request 2, ...) so
  that other load on the machine affects them alike; p50 and p95 of the time to the whole
  response. The worklist's first page; a page 10 "Next" links deep (keyset cursor); a search by a
  fragment of a patient's name, by a whole reference and by the start of a reference; one
  screening's page; the audit trail's first page, and filtered by one demo clinician. The name,
  the reference and the clinician are picked from the pages at the first size and kept, so that
  every size asks the same question. Growth: the p50 at a size over the p50 at the first size.
- **Exports**: the CSV and the FHIR NDJSON of every screening, streamed (read as each piece
  arrives); the time to the response headers and to the first byte of the body (gunicorn sends
  both together, once the export's audit rows are written) and to the last, ms per 1,000
  screenings, and the worker's peak resident memory (VmHWM in /proc/<pid>/status: reset to the
  current RSS just before the export by writing 5 to /proc/<pid>/clear_refs, read after). The
  screenings exported are counted (the CSV's records, from a file written as it came; the
  NDJSON's Patient resources and lines, as they come) and must be every submitted screening.
- **PDF**: once per database, at the largest size: one patient walks the journey over HTTP
  (`harness.patient_journey`); with PRERENDER_PDF on (the default) the worker renders the
  clinician's PDF after the submission, which is awaited in `pdf_cache` (30 s at most); then
  the first `GET /clinician/screenings/<ref>/summary.pdf` is timed, then more cached downloads,
  then renders on demand (the cached row deleted before each). The clinician's download and the
  pre-render both use the audience "clinician".

Targets, printed beside the figures and never asserted: every list route's p50 at 20k within
1.5x its p50 at 1k, at 100k within 2x, on both databases; CSV and NDJSON of 20k screenings with
the worker's peak under 250 MB, export time linear in the rows (ms per 1k rows about constant);
the first PDF download after a submission served from the cache, >= 50x faster than a render.
The exit status is non-zero when a response was not 200, an export missed rows or the PDF could
not be measured.

PostgreSQL: a throwaway database on the server of DATABASE_URL when it is a PostgreSQL URL, else
on postgresql+psycopg://postgres@127.0.0.1:5432 (created and dropped here; never the database
named in the URL).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import importlib.metadata
import os
import platform
import re
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness import (  # noqa: E402 - needs the path above
    TIMEOUT,
    Server,
    answers_for,
    csrf_token,
    migrate,
    patient_journey,
    project_env,
    throwaway_database,
)
from screening.demo import DEMO_DOMAIN  # noqa: E402 - needs the path above

SIZES = (1_000, 20_000)
FULL_SIZES = (1_000, 20_000, 100_000)
WARMUPS = 3
RUNS = 30
DEEP = 10  # "Next" links followed for the deep worklist page
PDF_CACHED_RUNS = 20
PDF_RENDER_RUNS = 5
PDF_WAIT = 30.0  # seconds for the pre-render to land in pdf_cache
EXPORT_TIMEOUT = 900  # seconds for one export (the client side; gunicorn has its own timeout)
TARGET_EXPORT_MB = 250
TARGET_PDF_SPEEDUP = 50
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ADMIN_EMAIL = "scale-admin@example.org"
BIN = Path(sys.executable).parent


def target_growth(size: int, base: int) -> float:
    """The largest p50 growth allowed at `size` over `base`: 1.5x up to 20 times the screenings
    (1k -> 20k), 2x beyond (1k -> 100k)."""
    return 1.5 if size <= 20 * base else 2.0


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), in seconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def short(n: int) -> str:
    """1000 -> "1k", 20000 -> "20k", 250 -> "250"."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --- the machine and the versions -------------------------------------------------------------


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def postgres_server() -> str:
    """The PostgreSQL server to make throwaway databases on."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else POSTGRES_SERVER


def postgres_version() -> str:
    engine = create_engine(postgres_server())
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar()).split()[0]
    except Exception as e:  # noqa: BLE001 - only printed
        return f"unreachable ({type(e).__name__})"
    finally:
        engine.dispose()


# --- the database: seeding, counting ----------------------------------------------------------


def flask_command(
    args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`flask --app screening ARGS` in the project with `env`; the CompletedProcess."""
    return subprocess.run(
        [str(BIN / "flask"), "--app", "screening", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def seed(env: dict[str, str], count: int, seed_value: int) -> tuple[float, str]:
    """Add `count` demo screenings with `flask seed-demo`; (seconds, its last line). The command
    refuses APP_ENV=production, so it runs with the development settings on the same database."""
    started = time.perf_counter()
    result = flask_command(
        ["seed-demo", str(count), "--seed", str(seed_value)],
        {**env, "APP_ENV": "development"},
        timeout=4 * 3600,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"flask seed-demo {count} failed (exit {result.returncode}):\n"
            f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return seconds, lines[-1] if lines else ""


def scalar(url: str, sql: str, **params: object) -> object:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def vacuum_analyze(url: str) -> float:
    """VACUUM ANALYZE a PostgreSQL database (what autovacuum would do); seconds taken."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def autovacuum(url: str) -> str:
    """The server's autovacuum setting."""
    return str(scalar(url, "SHOW autovacuum"))


def submitted_count(url: str) -> int:
    return int(scalar(url, "SELECT count(*) FROM screening WHERE status = 'submitted'") or 0)


# --- signing in, reading pages ------------------------------------------------------------------

NEXT_RE = re.compile(r'<a href="([^"]+)" rel="next"')
NAME_RE = re.compile(r'<td class="clinician-worklist__name">.*?</span>([^<]+)</td>', re.S)
REF_RE = re.compile(r'class="clinician-ref">(SIJ-[A-Z0-9]{4}-[A-Z0-9]{4})<')
STATUS_RE = re.compile(r'role="status">(.*?)</p>', re.S)
DEMO_EMAIL_RE = re.compile(rf"[\w.+-]+@{re.escape(DEMO_DOMAIN)}")


def sign_in(base: str, email: str, password: str) -> requests.Session:
    """A session signed in as a browser does (the form's CSRF token); RuntimeError otherwise."""
    s = requests.Session()
    page = s.get(base + "/clinician/login", timeout=TIMEOUT)
    r = s.post(
        base + "/clinician/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if r.status_code != 302:
        raise RuntimeError(f"sign-in failed: HTTP {r.status_code}")
    return s


def matches(page: str) -> str:
    """The worklist's count line ("12 screenings match.", "More than 1,000 ...")."""
    found = STATUS_RE.search(page)
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else "?"


@dataclass
class Probes:
    """What every size asks: picked from the pages at the first size."""

    name_fragment: str
    reference: str
    prefix: str
    demo_email: str


def pick_probes(s: requests.Session, base: str) -> Probes:
    """A fragment of a listed patient's name (matching a full page at every size), a listed
    reference, its start, a demo clinician."""
    page = s.get(base + "/clinician/?sort=newest", timeout=TIMEOUT).text
    names = [html.unescape(n).strip() for n in NAME_RE.findall(page)]
    refs = REF_RE.findall(page)
    if not names or not refs:
        raise RuntimeError("no screening listed on the worklist")
    surname = max((n.split()[-1] for n in names if n.split()), key=len)
    fragment = surname[1:5] if len(surname) >= 5 else surname
    audit = s.get(base + "/clinician/admin/audit", timeout=TIMEOUT).text
    demo = sorted(set(DEMO_EMAIL_RE.findall(audit)))
    if not demo:
        raise RuntimeError(f"no demo clinician (@{DEMO_DOMAIN}) on the audit page")
    reference = refs[len(refs) // 2]
    # "SIJ-" and one character: about 1 in 25 screenings, a full page of rows at 1k as at 20k
    # (a longer start lists 1 or 2 at 1k and a full page at 20k: the rows drawn, not the search,
    # would make the difference).
    return Probes(fragment.lower(), reference, reference[:5], demo[0])


def deep_page(s: requests.Session, base: str, errors: list[str]) -> tuple[str, int]:
    """The worklist's page DEEP "Next" links from the first (or the last there is), and its
    number."""
    url, number = "/clinician/", 1
    for _ in range(DEEP):
        r = s.get(base + url, timeout=TIMEOUT)
        if r.status_code != 200:
            errors.append(f"worklist page {number}: HTTP {r.status_code}")
            break
        found = NEXT_RE.search(r.text)
        if not found:
            break
        url, number = html.unescape(found.group(1)), number + 1
    return url, number


# --- the routes ---------------------------------------------------------------------------------


@dataclass
class Route:
    label: str
    path: str
    is_list: bool = True
    notes: dict[int, str] = field(default_factory=dict)  # size -> what the page said
    latencies: dict[int, list[float]] = field(default_factory=dict)  # size -> seconds


def routes_for(probes: Probes) -> list[Route]:
    """The routes measured, in the table's order; the deep page's path is set at each size."""
    from urllib.parse import urlencode

    def q(value: str) -> str:
        return "/clinician/?" + urlencode({"q": value})

    return [
        Route("worklist page 1", "/clinician/"),
        Route(f"worklist page {DEEP + 1} (Next x{DEEP})", ""),
        Route(f"search: name fragment {probes.name_fragment!r}", q(probes.name_fragment)),
        Route("search: whole reference", q(probes.reference)),
        Route(f"search: reference prefix {probes.prefix!r}", q(probes.prefix)),
        Route("screening page", f"/clinician/screenings/{probes.reference}", is_list=False),
        Route("audit trail page 1", "/clinician/admin/audit"),
        Route(
            "audit trail: one demo clinician",
            "/clinician/admin/audit?" + urlencode({"user": probes.demo_email}),
        ),
    ]


def measure_routes(
    s: requests.Session, base: str, routes: list[Route], size: int, errors: list[str]
) -> None:
    """Warm up every route, then time RUNS requests of each, interleaved."""
    for route in routes:
        for _ in range(WARMUPS):
            r = s.get(base + route.path, timeout=TIMEOUT)
            if r.status_code != 200:
                errors.append(f"{size} {route.label} (warm-up): HTTP {r.status_code}")
        if route.path.startswith("/clinician/?") or route.path == "/clinician/":
            route.notes.setdefault(size, matches(r.text))
        route.latencies[size] = []
    for _ in range(RUNS):
        for route in routes:
            started = time.perf_counter()
            r = s.get(base + route.path, timeout=TIMEOUT)
            route.latencies[size].append(time.perf_counter() - started)
            if r.status_code != 200:
                errors.append(f"{size} {route.label}: HTTP {r.status_code}")


# --- the exports ----------------------------------------------------------------------------------


def memory_kb(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS of a process, in kB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = int(value.split()[0])
    return out


def reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its current RSS (Linux 4.0+); False when not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass
class Export:
    fmt: str
    size: int
    expected: int
    screenings: int = 0
    lines: int = 0
    bytes: int = 0
    headers_s: float = float("nan")
    first_byte_s: float = float("nan")
    total_s: float = float("nan")
    hwm_before_kb: int = 0
    hwm_after_kb: int = 0
    reset: bool = False
    error: str = ""

    @property
    def ms_per_1k(self) -> float:
        return self.total_s * 1000 / (self.screenings / 1000) if self.screenings else float("nan")


PATIENT = b'"resourceType":"Patient"'


def csv_records(path: Path) -> int:
    """The records of a CSV file after its header (a record may hold line breaks in quotes)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return max(sum(1 for _ in csv.reader(f)) - 1, 0)


def _download(s: requests.Session, url: str, figures: Export, out: Path) -> None:
    """Stream an export: the CSV to `out`, the NDJSON counted as it comes; times into `figures`,
    and what went wrong into figures.error."""
    tail = b""
    started = time.perf_counter()
    try:
        with s.get(url, stream=True, timeout=EXPORT_TIMEOUT) as r, out.open("wb") as f:
            figures.headers_s = time.perf_counter() - started
            if r.status_code != 200:
                figures.error = f"HTTP {r.status_code}"
                return
            # Each piece as it arrives (chunked transfer), not waiting for a fixed size.
            for chunk in r.iter_content(chunk_size=None):
                if not chunk:
                    continue
                if not figures.bytes:
                    figures.first_byte_s = time.perf_counter() - started
                figures.bytes += len(chunk)
                if figures.fmt == "csv":
                    f.write(chunk)
                    continue
                figures.lines += chunk.count(b"\n")
                seen = tail + chunk  # a match may straddle two pieces
                figures.screenings += seen.count(PATIENT)
                tail = seen[-(len(PATIENT) - 1) :]
    except requests.RequestException as e:
        figures.error = f"{type(e).__name__} after {time.perf_counter() - started:.1f} s: {e}"
    finally:
        figures.total_s = time.perf_counter() - started


def measure_export(
    s: requests.Session, server: Server, fmt: str, size: int, expected: int, workdir: Path
) -> Export:
    """One export of every screening, streamed: times, the worker's peak, the rows. The CSV is
    written to a file and its records counted afterwards; the NDJSON (about 70 KB a screening)
    is counted as it comes (lines, and Patient resources: one per screening)."""
    figures = Export(fmt, size, expected)
    pids = server.worker_pids()
    if len(pids) != 1:
        figures.error = f"expected one worker, found {len(pids)}"
        return figures
    pid = pids[0]
    figures.reset = reset_peak(pid)
    figures.hwm_before_kb = memory_kb(pid)["VmHWM"]
    out = workdir / f"export-{size}.{fmt}"
    _download(s, f"{server.url}/clinician/export.{fmt}", figures, out)
    if fmt == "csv":
        figures.screenings = csv_records(out)
        with out.open("rb") as f:
            figures.lines = sum(c.count(b"\n") for c in iter(lambda: f.read(1 << 20), b""))
    out.unlink(missing_ok=True)
    if server.worker_pids() == [pid]:
        figures.hwm_after_kb = memory_kb(pid)["VmHWM"]
    elif not figures.error:
        figures.error = "the worker was replaced during the export"
    if not figures.error and figures.screenings != expected:
        figures.error = f"{figures.screenings} screenings exported, {expected} expected"
    if figures.error:
        # What gunicorn said (a worker killed at its timeout: "WORKER TIMEOUT").
        said = [ln for ln in server.log().splitlines() if "[CRITICAL]" in ln or "[ERROR]" in ln]
        if said:
            figures.error += "; gunicorn: " + " / ".join(said[-2:])
    return figures


# --- the PDF --------------------------------------------------------------------------------------


@dataclass
class PdfFigures:
    reference: str = ""
    waited_s: float = float("nan")
    first_s: float = float("nan")
    cached_s: list[float] = field(default_factory=list)
    render_s: list[float] = field(default_factory=list)
    rows_after_first: int = 0
    error: str = ""


def measure_pdf(s: requests.Session, server: Server, url: str, warm_up: str) -> PdfFigures:
    """The first clinician download after a submission (pre-rendered), cached ones, renders."""
    figures = PdfFigures()
    # The PDF route warmed up in this worker first (a screening's PDF rendered on demand, then
    # cached), so that the first download below times the cache, not the route's first use.
    for _ in range(2):
        s.get(f"{server.url}/clinician/screenings/{warm_up}/summary.pdf", timeout=TIMEOUT)
    journey = patient_journey(server.url, answers_for(7))
    if not journey.completed or not journey.reference:
        figures.error = f"the patient journey failed: {'; '.join(journey.errors)}"
        return figures
    figures.reference = journey.reference
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            screening_id = conn.execute(
                text("SELECT id FROM screening WHERE reference = :r"), {"r": journey.reference}
            ).scalar()

        def cached_rows() -> int:
            with engine.connect() as conn:
                sql = text("SELECT count(*) FROM pdf_cache WHERE screening_id = :i")
                return int(conn.execute(sql, {"i": screening_id}).scalar() or 0)

        started = time.perf_counter()
        while cached_rows() == 0 and time.perf_counter() - started < PDF_WAIT:
            time.sleep(0.05)
        figures.waited_s = time.perf_counter() - started
        if cached_rows() == 0:
            figures.error = f"no pre-rendered PDF in pdf_cache after {PDF_WAIT:.0f} s"
            return figures
        path = f"{server.url}/clinician/screenings/{journey.reference}/summary.pdf"

        def download() -> float:
            started = time.perf_counter()
            r = s.get(path, timeout=TIMEOUT)
            seconds = time.perf_counter() - started
            if r.status_code != 200 or not r.content.startswith(b"%PDF"):
                raise RuntimeError(f"PDF download: HTTP {r.status_code}")
            return seconds

        try:
            figures.first_s = download()
            # Still one row: the download found the pre-rendered PDF (the same cache key).
            figures.rows_after_first = cached_rows()
            figures.cached_s = [download() for _ in range(PDF_CACHED_RUNS)]
            for _ in range(PDF_RENDER_RUNS):
                with engine.begin() as conn:
                    sql = text("DELETE FROM pdf_cache WHERE screening_id = :i")
                    conn.execute(sql, {"i": screening_id})
                figures.render_s.append(download())
        except (RuntimeError, requests.RequestException) as e:
            figures.error = f"{type(e).__name__}: {e}"
    finally:
        engine.dispose()
    return figures


# --- one database -------------------------------------------------------------------------------


@dataclass
class Run:
    kind: str
    sizes: list[int]
    seeding: list[str] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    pdf: PdfFigures | None = None
    errors: list[str] = field(default_factory=list)
    worker: str = "?"  # gunicorn's worker class, from its log


@contextmanager
def running(env: dict[str, str], workdir: Path) -> Iterator[Server]:
    """The project under gunicorn with one sync worker (stopped on the way out)."""
    server = Server("screening:create_app()", env, workdir, workers=1)
    try:
        server.start(ready_path="/clinician/login")
        yield server
    finally:
        server.stop()


def run_database(kind: str, sizes: list[int], say: Callable[[str], None]) -> Run:
    """Seed, measure the routes and the exports at every size; the PDF at the largest."""
    run = Run(kind, sizes)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        workdir = Path(tmp)
        with throwaway_database(kind, workdir) as url:
            env = project_env(url, workdir)
            migrate(url, workdir)
            password = secrets.token_urlsafe(24)
            made = flask_command(
                ["clinician", "create", ADMIN_EMAIL, "--admin", "--password-stdin"],
                env,
                stdin=password + "\n",
                timeout=120,
            )
            if made.returncode != 0:
                raise RuntimeError(f"clinician create failed: {made.stderr.strip()}")
            probes: Probes | None = None
            seeded = 0
            for n, size in enumerate(sizes):
                seconds, line = seed(env, size - seeded, seed_value=n + 1)
                seeded = size
                if kind == "postgresql":
                    line += f"; VACUUM ANALYZE {vacuum_analyze(url):.1f} s"
                count = submitted_count(url)
                note = (
                    f"{kind} {short(size)}: seeded {size - (sizes[n - 1] if n else 0)} in "
                    f"{seconds:.1f} s ({count} submitted) - {line}"
                )
                run.seeding.append(note)
                say(note)
                with running(env, workdir) as server:
                    if worker := re.search(r"Using worker: (\S+)", server.log()):
                        run.worker = worker.group(1)
                    s = sign_in(server.url, ADMIN_EMAIL, password)
                    if probes is None:
                        probes = pick_probes(s, server.url)
                        run.routes = routes_for(probes)
                        say(f"{kind}: probes {probes}")
                    deep, number = deep_page(s, server.url, run.errors)
                    run.routes[1].path = deep
                    run.routes[1].notes[size] = f"page {number}"
                    started = time.perf_counter()
                    measure_routes(s, server.url, run.routes, size, run.errors)
                    say(f"{kind} {short(size)}: routes in {time.perf_counter() - started:.1f} s")
                    for fmt in ("csv", "ndjson"):
                        figures = measure_export(s, server, fmt, size, count, workdir)
                        run.exports.append(figures)
                        if figures.error:
                            run.errors.append(f"{size} export {fmt}: {figures.error}")
                        say(
                            f"{kind} {short(size)}: export {fmt} {figures.screenings} screenings "
                            f"in {figures.total_s:.2f} s"
                        )
                    if n == len(sizes) - 1:
                        run.pdf = measure_pdf(s, server, url, probes.reference)
                        if run.pdf.error:
                            run.errors.append(f"PDF: {run.pdf.error}")
                    if server.process and server.process.poll() is not None:
                        run.errors.append(f"gunicorn exited:\n{server.log()[-2000:]}")
    return run


# --- printing ------------------------------------------------------------------------------------


def print_routes(run: Run) -> None:
    base = run.sizes[0]
    head = ["route"]
    for size in run.sizes:
        head += [f"p50 @{short(size)}", f"p95 @{short(size)}"]
    for size in run.sizes[1:]:
        head += [f"growth {short(size)}/{short(base)}", "target"]
    print(
        f"\n{run.kind}: routes ({RUNS} requests each after {WARMUPS} warm-ups, sequential; "
        f"gunicorn worker class {run.worker})"
    )
    print("| " + " | ".join(head) + " |")
    print("| --- |" + " ---: |" * (len(head) - 1))
    for route in run.routes:
        cells = [route.label]
        for size in run.sizes:
            times = route.latencies.get(size, [])
            cells += [ms(percentile(times, 50)), ms(percentile(times, 95))]
        for size in run.sizes[1:]:
            growth = statistics.median(route.latencies[size]) / statistics.median(
                route.latencies[base]
            )
            limit = target_growth(size, base)
            if route.is_list:
                verdict = "met" if growth <= limit else "NOT met"
                cells += [f"{growth:.2f}x", f"<= {limit:g}x {verdict}"]
            else:
                cells += [f"{growth:.2f}x", "(not a list)"]
        print("| " + " | ".join(cells) + " |")
    for route in run.routes:
        if route.notes:
            said = "; ".join(f"@{short(k)}: {v}" for k, v in route.notes.items())
            print(f"  {route.label}: {said}")


def print_exports(runs: list[Run]) -> None:
    print(
        "\nexports of every submitted screening (one worker; peak = VmHWM, reset just before the "
        f"export; target: peak < {TARGET_EXPORT_MB} MB, ms per 1k rows about constant)"
    )
    print(
        "| DB | screenings | file | lines | MB | headers | first byte | total | ms per 1k rows "
        "| peak before | peak after | growth | target |"
    )
    print(
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    )
    for run in runs:
        for e in run.exports:
            peak = e.hwm_after_kb / 1024
            verdict = "met" if e.hwm_after_kb and peak < TARGET_EXPORT_MB else "NOT met"
            if e.error:
                verdict = f"error: {e.error}"
            print(
                f"| {run.kind} | {e.screenings} | {e.fmt} | {e.lines} | {e.bytes / 1e6:.1f} "
                f"| {ms(e.headers_s)} | {ms(e.first_byte_s)} | {e.total_s:.2f} s "
                f"| {e.ms_per_1k:.0f} | {e.hwm_before_kb / 1024:.1f} MB | {peak:.1f} MB "
                f"| {(e.hwm_after_kb - e.hwm_before_kb) / 1024:+.1f} MB | {verdict} |"
            )
    for run in runs:
        for fmt in ("csv", "ndjson"):
            mine = [e for e in run.exports if e.fmt == fmt and e.screenings and not e.error]
            if len(mine) > 1:
                ratio = mine[-1].ms_per_1k / mine[0].ms_per_1k
                print(
                    f"  {run.kind} {fmt}: ms per 1k rows @{short(mine[-1].size)} / "
                    f"@{short(mine[0].size)} = {ratio:.2f} (1.00 = linear)"
                )
        if any(not e.reset for e in run.exports):
            print(f"  {run.kind}: VmHWM could not be reset: 'before' is the worker's peak so far")


def print_pdf(run: Run) -> None:
    pdf = run.pdf
    if pdf is None:
        return
    if pdf.error and not pdf.render_s:
        print(f"\n{run.kind}: PDF: {pdf.error}")
        return
    render = statistics.median(pdf.render_s)
    cached = statistics.median(pdf.cached_s)
    speedup = render / pdf.first_s
    verdict = "met" if speedup >= TARGET_PDF_SPEEDUP and pdf.rows_after_first == 1 else "NOT met"
    print(
        f"\n{run.kind}: first PDF download after submit {ms(pdf.first_s)} (pre-render stored "
        f"{pdf.waited_s:.1f} s after the journey ended; {pdf.rows_after_first} cached row after "
        f"it), cached median {ms(cached)} ({PDF_CACHED_RUNS}), render on demand median "
        f"{ms(render)} ({PDF_RENDER_RUNS}): render / first {speedup:.0f}x, render / cached "
        f"{render / cached:.0f}x (target: first download >= {TARGET_PDF_SPEEDUP}x faster than a "
        f"render) - {verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="also 100k screenings")
    parser.add_argument("--sizes", help="comma-separated sizes, ascending (default 1000,20000)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if args.sizes:
        sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
    else:
        sizes = list(FULL_SIZES if args.full else SIZES)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if "postgresql" in kinds:
        # harness.throwaway_database makes its database on the server of DATABASE_URL.
        os.environ["DATABASE_URL"] = postgres_server()
    began = time.perf_counter()
    missing: list[str] = []
    postgres = ""
    if "postgresql" in kinds:
        postgres = postgres_version()
        if postgres.startswith("unreachable"):
            # Measured on SQLite alone; the run still fails, so that nobody misses it.
            missing.append(f"postgresql: no server at {make_url(postgres_server())!r}, {postgres}")
            kinds.remove("postgresql")
        else:
            postgres += f" (autovacuum {autovacuum(postgres_server())})"
    print(
        f"Scale benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs "
        f"(nproc; {_cpu_model()}), load average {_load()} (1/5/15 min), Python "
        f"{platform.python_version()}, gunicorn {_version('gunicorn')} (one worker, "
        f"gunicorn.conf.py), Flask {_version('flask')}, SQLAlchemy {_version('sqlalchemy')}, "
        f"WeasyPrint {_version('weasyprint')}, SQLite {sqlite3.sqlite_version}"
        + (f", PostgreSQL {postgres}" if "postgresql" in kinds else "")
        + f"; sizes {', '.join(short(s) for s in sizes)}; databases {', '.join(kinds)}",
        flush=True,
    )

    def say(line: str) -> None:
        print(f"  [{time.perf_counter() - began:6.0f} s, load {_load()}] {line}", flush=True)

    runs = [run_database(kind, sizes, say) for kind in kinds]
    for run in runs:
        print_routes(run)
    print_exports(runs)
    for run in runs:
        print_pdf(run)
    errors = missing + [f"{run.kind} {e}" for run in runs for e in run.errors]
    print(f"\nerrors: {len(errors)}")
    for error in errors:
        print(f"  {error}")
    minutes, seconds = divmod(time.perf_counter() - began, 60)
    print(f"run time {int(minutes)} min {seconds:.0f} s, load average at the end {_load()}")
    return 1 if errors else 0


if __name__ == "__main__":
    # Do not leave gunicorn running if interrupted.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    threading.current_thread().name = "scale"
    sys.exit(main())
