"""What every command line tool shares: one-line messages, exit status 2, strict input reading.

Imported by the command modules (`cli`, `pdf_cli`, `clinician_cli`); it imports none of them.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from typing import Any, NoReturn

import click

from . import questionnaire
from .criteria import DEFAULT_PROFILE, PROFILES

# The largest answers file or standard input read, in bytes: answers are a few kilobytes (the web
# form takes at most MAX_CONTENT_LENGTH, 64 KiB by default); nothing larger is read into memory.
MAX_INPUT_BYTES = 1024 * 1024

_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_PLAIN = re.compile(r"[A-Za-z0-9_.@+-]+")


def _escape_char(ch: str) -> str:
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def one_line(text: str) -> str:
    """Text with every character that is not printable escaped (\\n, \\x1b, \\u2028, \\u202e...).

    Control characters, line and paragraph separators, bidirectional controls, invisible format
    characters and lone surrogates all become visible escapes, so the result is one line that a
    terminal shows as it is.
    """
    return "".join(ch if ch.isprintable() else _escape_char(ch) for ch in text)


def quoted(value: object) -> str:
    """A value as shown in a message: in double quotes, with quotes, backslashes and every
    character that is not printable escaped, so that it is one line and unambiguous."""
    text = value if isinstance(value, str) else str(value)
    return (
        '"'
        + "".join(
            "\\" + ch if ch in '"\\' else ch if ch.isprintable() else _escape_char(ch)
            for ch in text
        )
        + '"'
    )


def shown(value: object) -> str:
    """A key (or an email address) as shown in a message: bare when it is plain, else quoted."""
    text = value if isinstance(value, str) else str(value)
    return text if _PLAIN.fullmatch(text) else quoted(text)


def fail(message: str) -> NoReturn:
    """Print one line naming the problem on stderr and exit with status 2.

    Whatever the message carries (a key, a value, a path), it is printed on one line.
    """
    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(2)


class _BadJSON(ValueError):
    """JSON that the standard library would accept but that is not honest answers JSON."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _BadJSON(f"the key {shown(key)} appears more than once")
        seen[key] = value
    return seen


def _no_constant(name: str) -> NoReturn:
    raise _BadJSON(f"{name} is not a JSON number")


def _surrogate(value: Any) -> str | None:
    """The first lone surrogate in any string of a parsed JSON value (keys too), or None.

    JSON can spell one (\\ud800) but it is not a character: it cannot be written as UTF-8,
    into the PDF, a database or a terminal. Iterative, as the value may be nested deeply.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            for ch in item:
                if 0xD800 <= ord(ch) <= 0xDFFF:
                    return ch
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _display(path: str) -> str:
    return "standard input" if path == "-" else path


def read_input(path: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file, or of standard input for '-', at most `limit` of them.

    Anything else (a directory, a device such as /dev/zero, a FIFO, a socket) is refused before
    a byte is read, and the file is opened non-blocking so that opening a FIFO cannot hang.
    Exit 2 with one line on bad input.
    """
    name = _display(path)
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            fail(f"{name}: cannot be read (no standard input)")
        try:
            data = stream.read(limit + 1)
        except (OSError, ValueError) as e:
            fail(f"{name}: cannot be read ({type(e).__name__})")
    else:
        flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            fail(f"{name}: no such file")
        except (OSError, ValueError) as e:  # ValueError: a NUL character in the path
            fail(f"{name}: cannot be read ({type(e).__name__})")
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                fail(f"{name}: is a directory, not an answers file")
            if not stat.S_ISREG(info.st_mode):
                fail(f"{name}: not a regular file (a device, FIFO or socket is not read)")
            if info.st_size > limit:
                fail(f"{name}: larger than {limit} bytes, too large for an answers file")
            chunks: list[bytes] = []
            size = 0
            while size <= limit:
                chunk = os.read(fd, limit + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            data = b"".join(chunks)
        except OSError as e:
            fail(f"{name}: cannot be read ({type(e).__name__})")
        finally:
            os.close(fd)
    if len(data) > limit:
        fail(f"{name}: larger than {limit} bytes, too large for an answers file")
    return data


def read_json(path: str) -> Any:
    """Parse a JSON file or standard input strictly; exit 2 with one line on bad input.

    Refused beyond what json.loads refuses: duplicate keys (which one counts would be a
    guess), NaN and Infinity (not JSON), and lone surrogates in any string.
    """
    name = _display(path)
    data = read_input(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"{name}: not UTF-8 text (byte {e.start})")
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _BadJSON as e:
        fail(f"{name}: not valid JSON ({e})")
    except json.JSONDecodeError as e:
        fail(f"{name}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})")
    except (ValueError, RecursionError) as e:  # a number of thousands of digits, deep nesting
        fail(f"{name}: not valid answers JSON ({type(e).__name__})")
    surrogate = _surrogate(value)
    if surrogate is not None:
        where = ""
        if isinstance(value, dict):
            for key, item in value.items():
                if _surrogate(key) is not None:
                    where = " in a key"
                    break
                if _surrogate(item) is not None:
                    where = f" in the value of {shown(key)}"
                    break
        fail(
            f"{name}: {_escape_char(surrogate)}{where} is a lone UTF-16 surrogate, not a "
            "character: write the character itself, or both halves of its surrogate pair"
        )
    return value


def load_answers(path: str) -> dict[str, Any]:
    """Read and validate an answers JSON file ('-' for standard input); exit 2 on bad input."""
    raw = read_json(path)
    if not isinstance(raw, dict):
        fail(f"{_display(path)}: the answers must be a JSON object of question keys and values")
    for key in raw:
        if key not in questionnaire.BY_KEY:
            fail(f"{shown(key)}: not a question of this questionnaire (see `flask questions`)")
    try:
        return questionnaire.validate(raw)
    except questionnaire.AnswerError as e:
        fail(f"{shown(e.key)}: {e.message}")


PROFILE_OPTION = click.option(
    "--profile",
    type=click.Choice(sorted(PROFILES)),
    default=DEFAULT_PROFILE,
    show_default=True,
    help="Which set of criteria to compare with.",
)
