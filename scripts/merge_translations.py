"""Merge translators' JSON into a gettext catalogue (a tool for maintainers, not part of the app).

    .venv/bin/python scripts/merge_translations.py --pot translations/messages.pot \\
        --po translations/es/LC_MESSAGES/messages.po --locale es out_1.json out_2.json ...

Each JSON file is an object of msgid -> translation, or msgid (the singular) -> [singular,
plural] for a plural entry. The catalogue written has exactly the template's msgids (`make
messages` writes the template), each translated from the JSON files (later files win), else from
the catalogue's own earlier translation; never an empty or fuzzy entry: a msgid without a
translation, or a translation whose %(name)s placeholders differ from the source's, stops the
merge with a list of them (exit status 1), and nothing is written. The plural forms come from
the locale (Spanish: nplurals=2; plural=(n != 1)).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog, Message, TranslationError
from babel.messages.checkers import python_format
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%%")


def placeholders(text: str) -> set[str]:
    """The named placeholders of a python-format string (and %% as "%")."""
    return {m.group(1) or "%" for m in PLACEHOLDER.finditer(text)}


def problem(msgid: Any, translation: Any) -> str | None:
    """Why a translation cannot be used for msgid (None when it can)."""
    if isinstance(msgid, tuple):
        if not isinstance(translation, (list, tuple)) or len(translation) != 2:
            return "a plural entry needs [singular, plural]"
        if not all(isinstance(t, str) and t.strip() for t in translation):
            return "an empty plural form"
        # The singular form may leave out the number ("un mes"); the plural keeps every name.
        if not placeholders(translation[0]) <= placeholders(msgid[1]):
            return "the singular form has a placeholder the source has not"
        if placeholders(translation[1]) != placeholders(msgid[1]):
            return "the plural form's placeholders differ from the source's"
        return None
    if not isinstance(translation, str) or not translation.strip():
        return "no translation"
    if placeholders(translation) != placeholders(msgid):
        return "placeholders differ from the source's"
    return None


def merge(template: Catalog, earlier: Catalog | None, chosen: dict[str, Any], locale: str):
    """The catalogue of `template`'s msgids translated, and the problems found."""
    name = Locale.parse(locale).english_name
    out = Catalog(
        locale=locale,
        header_comment=(
            f"# {name} translations of SI joint screening.\n"
            "# Written for patients: plain words, addressed as usted; medical terms as\n"
            "# MedlinePlus en español words them. Merged by scripts/merge_translations.py,\n"
            "# compiled by `make install`."
        ),
        project="SI joint screening",
        version="0.1.0",
        msgid_bugs_address="",
        creation_date=template.creation_date,
        revision_date=dt.datetime.now(dt.UTC),
        last_translator="SI joint screening translators",
        language_team=name,
        fuzzy=False,
    )
    problems: list[tuple[str, str]] = []
    for message in template:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        translation = chosen.get(key)
        if translation is None and earlier is not None:
            old = earlier.get(message.id)
            if old is not None and not old.fuzzy and old.string:
                translation = list(old.string) if isinstance(old.string, tuple) else old.string
        why = problem(message.id, translation)
        if why is not None:
            problems.append((key, why))
            continue
        string = tuple(translation) if isinstance(message.id, tuple) else translation
        # What `pybabel compile` checks too: extraction marks "50% less" python-format, and
        # then "% l" must meet a compatible "%..." in the translation ("un 80% en ...").
        try:
            python_format(None, Message(message.id, string, flags=message.flags))
        except TranslationError as e:
            problems.append((key, f"pybabel compile would refuse it: {e}"))
            continue
        out.add(
            message.id,
            string,
            locations=message.locations,
            flags=[f for f in message.flags if f != "fuzzy"],
            auto_comments=message.auto_comments,
            context=message.context,
        )
    return out, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pot", required=True, type=Path, help="the template (make messages)")
    parser.add_argument("--po", required=True, type=Path, help="the catalogue to write")
    parser.add_argument("--locale", required=True, help="e.g. es")
    parser.add_argument("json", nargs="*", type=Path, help="translators' msgid -> translation")
    args = parser.parse_args(argv)

    with args.pot.open("rb") as f:
        template = read_po(f)
    earlier = None
    if args.po.is_file():
        with args.po.open("rb") as f:
            earlier = read_po(f, locale=args.locale)
    chosen: dict[str, Any] = {}
    for path in args.json:
        chosen.update(json.loads(path.read_text(encoding="utf-8")))
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in template if m.id}
    unused = sorted(set(chosen) - known)

    catalogue, problems = merge(template, earlier, chosen, args.locale)
    if problems:
        for key, why in problems:
            print(f"{why}: {key!r}", file=sys.stderr)
        print(f"{len(problems)} msgid(s) cannot be merged; nothing written", file=sys.stderr)
        return 1
    args.po.parent.mkdir(parents=True, exist_ok=True)
    with args.po.open("wb") as f:
        # No line numbers: a catalogue's diff shows translations, not code moving.
        write_po(f, catalogue, width=100, include_lineno=False)
    plural = get_plural(args.locale)
    print(
        f"{args.po}: {len(catalogue)} translated, plural forms "
        f"'nplurals={plural.num_plurals}; plural={plural.plural_expr};'"
        + (f", {len(unused)} JSON entries not in the template (ignored)" if unused else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
