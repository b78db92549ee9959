"""Only what pyproject.toml cannot say: the wheel carries the translations compiled.

The catalogues are committed as translations/<lang>/LC_MESSAGES/messages.po (text, reviewed in
diffs); the .mo files Flask-Babel reads are build output. A checkout compiles them in
`make install`; a wheel compiles them here, into screening/translations, where the installed app
looks for them. Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = Path(__file__).resolve().parent / "translations"


class build_py_with_catalogues(build_py):  # noqa: N801 - setuptools' own naming
    """build_py, then every translations/*/LC_MESSAGES/messages.po compiled into the build."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(CATALOGUES.glob("*/LC_MESSAGES/*.po")):
            target = Path(self.build_lib, "screening", "translations", po.relative_to(CATALOGUES))
            target = target.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalogue = read_po(source)
            with target.open("wb") as out:
                write_mo(out, catalogue, use_fuzzy=False)


setup(cmdclass={"build_py": build_py_with_catalogues})
