"""PDF summary benchmark: bare WeasyPrint vs the project's render path vs a cached download.

One process, one run. Medians of at least 10. Not a test: it prints figures and targets.
Uses a throwaway SQLite database (never DATABASE_URL).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.pop("DATABASE_URL", None)

from weasyprint import CSS, HTML  # noqa: E402 - imported after sys.path is set above

from screening import create_app, drafts, pdf  # noqa: E402 - imported after sys.path is set above
from screening.extensions import db  # noqa: E402 - imported after sys.path is set above
from screening.models import PdfCache  # noqa: E402 - imported after sys.path is set above

RUNS = 15
CACHED_RUNS = 50
TARGET_RENDER_RATIO = 1.10
TARGET_CACHED_SPEEDUP = 50
TARGET_PEAK_MB = 200

# A complete set of answers matching every core criterion, no red flag (shared with the tests).
ANSWERS = json.loads((ROOT / "docs" / "example-answers.json").read_text())


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def rss_mb() -> float:
    """The current resident set size of this process, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc), {model}, Python {platform.python_version()}"


def main() -> int:
    load_before = f"{os.getloadavg()[0]:.2f}"
    tmp = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
            "INSTANCE_PATH": str(tmp / "instance"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        screening = drafts.create_draft()
        screening.answers = dict(ANSWERS)
        drafts.submit(screening)
        db.session.commit()
        html = pdf.render_html(pdf.summary_for(screening))
        size = pdf.paper_size()
        page_rules = pdf.page_css(size)

        def bare() -> bytes:
            # The physical reference: WeasyPrint alone on the exact HTML, default options.
            return HTML(string=html, base_url=str(pdf.STATIC_DIR) + "/").write_pdf(
                stylesheets=[CSS(filename=str(pdf.STYLESHEET)), CSS(string=page_rules)]
            )

        def bare_ua() -> bytes:
            # For information: the same, with the PDF/UA-1 variant the project asks for.
            return HTML(string=html, base_url=str(pdf.STATIC_DIR) + "/").write_pdf(
                stylesheets=[CSS(filename=str(pdf.STYLESHEET)), CSS(string=page_rules)],
                pdf_variant="pdf/ua-1",
            )

        def project() -> bytes:
            # Template + render + store, as a first download does (cache emptied beforehand).
            data = pdf.get_or_render_pdf(screening)
            db.session.commit()
            return data

        def empty_cache() -> None:
            db.session.query(PdfCache).delete()
            db.session.commit()

        pages = len(__import__("pypdf").PdfReader(__import__("io").BytesIO(bare())).pages)
        # Warm up both paths (fonts, parsed stylesheets, imports).
        for _ in range(2):
            bare()
            empty_cache()
            project()

        rss_warm = rss_mb()
        bare_times, bare_ua_times, project_times = [], [], []
        for _ in range(RUNS):  # interleaved, so drift and other load affect all alike
            bare_times.append(timed(bare))
            bare_ua_times.append(timed(bare_ua))
            empty_cache()
            project_times.append(timed(project))

        rss_after = rss_mb()
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["screening_token"] = screening.token
            sess["sent_token"] = screening.token  # sent from this browser a moment ago
        empty_cache()
        first = client.get("/summary.pdf")  # fills the cache (the patient's version)
        assert first.status_code == 200, first.status_code
        cached_times = []
        for _ in range(CACHED_RUNS):
            start = time.perf_counter()
            response = client.get("/summary.pdf")
            response.get_data()
            cached_times.append(time.perf_counter() - start)
            assert response.status_code == 200

        empty_cache()
        tracemalloc.start()
        project()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    bare_ms = statistics.median(bare_times) * 1000
    bare_ua_ms = statistics.median(bare_ua_times) * 1000
    project_ms = statistics.median(project_times) * 1000
    cached_ms = statistics.median(cached_times) * 1000
    peak_mb = peak / 1024 / 1024
    ratio = project_ms / bare_ms
    speedup = project_ms / cached_ms

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    print(f"PDF summary benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(
        f"document: realistic screening, {pages} page(s), paper {size}, {len(html)} bytes of HTML"
    )
    print(f"bare WeasyPrint, same HTML (median of {RUNS}):      {bare_ms:8.1f} ms")
    print(f"bare WeasyPrint + pdf/ua-1 (median of {RUNS}):      {bare_ua_ms:8.1f} ms")
    print(f"project render path (median of {RUNS}):            {project_ms:8.1f} ms")
    print(f"cached download via test client (median of {CACHED_RUNS}): {cached_ms:8.2f} ms")
    print(f"peak Python memory of one render (tracemalloc):  {peak_mb:8.1f} MB")
    print(f"process max RSS after the run:                   {max_rss_mb:8.1f} MB")
    print(
        f"RSS after warm-up {rss_warm:.1f} MB, after {3 * RUNS} more renders {rss_after:.1f} MB "
        "(growth across renders)"
    )
    print(f"load average before/after: {load_before} / {os.getloadavg()[0]:.2f}")
    print(
        f"render / bare = {ratio:.2f}x (target <= {TARGET_RENDER_RATIO:.2f}x): "
        f"{verdict(ratio <= TARGET_RENDER_RATIO)}"
    )
    print(
        f"render / cached = {speedup:.0f}x (target >= {TARGET_CACHED_SPEEDUP}x): "
        f"{verdict(speedup >= TARGET_CACHED_SPEEDUP)}"
    )
    print(
        f"peak memory {max(peak_mb, 0):.1f} MB traced, {max_rss_mb:.1f} MB RSS "
        f"(target < {TARGET_PEAK_MB} MB): {verdict(max_rss_mb < TARGET_PEAK_MB)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
