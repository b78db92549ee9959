"""Run every benchmark (`make bench`); each is a script in this folder, run in its own process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Add new benchmarks here; each prints its own figures and targets.
BENCHMARKS = ("pdf.py", "load.py", "scale.py")


def main() -> int:
    """Run the benchmarks one after the other; the exit status is non-zero if one failed."""
    status = 0
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        result = subprocess.run([sys.executable, str(HERE / name)], cwd=HERE.parent, check=False)
        status = status or result.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
