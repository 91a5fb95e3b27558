"""Characters that a terminal acts on instead of showing: refused in ids and file names, escaped
in every message.

Ids and file names from an input file are printed by the commands (``line 7, case C012 ...``).
A hostile or damaged file can hide in them an escape sequence that clears the screen, recolours
the text or fakes a result (``X\\x1b[2J\\x1b[31mFAKE OK``), or a bidirectional override that makes
``exe.txt`` display as ``txt.exe``. So the readers refuse, in ids and file names:

* the C0 control characters (U+0000–U+001F, tab and line breaks included), DEL (U+007F) and the
  C1 control characters (U+0080–U+009F, which some terminals take as escape sequences);
* the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).

A refusal shows the text as Python's ``repr`` writes it, which spells each such character as an
escape (``'\\x1b'``, ``'\\u202e'``). Messages that quote other input (a label, a column name) go
through :func:`escape_unsafe` where they are put together, so that no message carries one raw.
"""

from __future__ import annotations

import re

#: The characters refused in ids and file names (see the module docstring).
UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def unsafe_text_refusal(text: str, what: str) -> str | None:
    """Why ``text`` (an id or file name, described by ``what``) is refused, or ``None``."""
    found = UNSAFE_CHARACTERS.search(text)
    if found is None:
        return None
    return (
        f"{what} {text!r} holds {found.group()!r}, a control character or bidirectional "
        "override; ids and file names may not hold these (a terminal would act on them)"
    )


def escape_unsafe(text: str) -> str:
    """``text`` with each character of :data:`UNSAFE_CHARACTERS` written as its escape."""
    return UNSAFE_CHARACTERS.sub(lambda found: repr(found.group())[1:-1], text)
