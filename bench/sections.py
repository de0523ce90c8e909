"""Named sections of a Markdown report that other harnesses own (soak, fleet).

`make bench` rewrites BENCHMARKS.md whole; a section between `<!-- section:NAME -->` and
`<!-- /section:NAME -->` is written by its own harness and kept across those rewrites.
"""

from __future__ import annotations

import re
from pathlib import Path


def _sections(name: str) -> re.Pattern[str]:
    """Whole sections whose name matches the regular expression `name`."""
    return re.compile(rf"<!-- section:({name}) -->\n.*?<!-- /section:\1 -->\n", re.S)


_SECTION = _sections(r"\w+")


def kept(path: Path) -> str:
    """Every section of `path` (empty if none, or no file), to append to a rewrite."""
    if not path.exists():
        return ""
    found = [m.group(0) for m in _SECTION.finditer(path.read_text())]
    return "".join("\n" + text for text in found)


def replace(path: Path, name: str, body: str) -> None:
    """Put `body` in section `name` of `path`, replacing it, else appending it."""
    block = f"<!-- section:{name} -->\n{body.rstrip()}\n<!-- /section:{name} -->\n"
    text = path.read_text() if path.exists() else ""
    text, found = _sections(re.escape(name)).subn(lambda _: block, text)
    if not found:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)
