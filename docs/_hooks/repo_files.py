"""MkDocs hook: build pages from the repository's own Markdown, and check the API reference.

README.md, BENCHMARKS.md, CHANGELOG.md and bench/README.md stay the single source of
their text. A page under docs/ pulls them in with a line of its own:

    <!-- include README.md from="## Quick start" shift=-1 -->

- `from="HEADING"`: start at that heading line (default: the file's start). `to="HEADING"`:
  stop before that heading (default: the next heading of the same or a higher level, or
  the end of the file when there is no `from`). Headings inside code blocks don't count.
- `shift=N`: add N to the level of every included heading (-1 turns `##` into `#`).

Links in the included text are rewritten for the site: a link to a repository file that a
page includes whole goes to that page; `docs/x.png` goes to `x.png`; `#anchor` goes to
the page that now holds that heading. A link to any other repository file, a missing
file or a missing heading fails the build, so the README cannot drift away from the site.

The hook also fails the build unless every name in the `__all__` of the packages in
`PUBLIC_PACKAGES` has a heading of its own (`id="package.Name"`) in the rendered pages
under docs/reference/.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from markdown.extensions.toc import slugify  # type: ignore[import-untyped]
from mkdocs.exceptions import PluginError

PUBLIC_PACKAGES = {
    "twilio_wireless": "src/twilio_wireless/__init__.py",
    "twilio_wireless.simulator": "src/twilio_wireless/simulator/__init__.py",
    "twilio_wireless.testing": "src/twilio_wireless/testing/__init__.py",
}

_DIRECTIVE = re.compile(r"^<!-- include (?P<file>\S+)(?P<args>(?: \w+=(?:\"[^\"]*\"|-?\d+))*) -->$")
_ARG = re.compile(r' (\w+)=(?:"([^"]*)"|(-?\d+))')
_HEADING = re.compile(r"^(#{1,6}) (.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
# [text](target) and ![alt](target); the target has no spaces or parentheses here.
_LINK = re.compile(r"(\]\()([^)\s]+)(\))")
_INLINE_CODE = re.compile(r"`[^`]*`")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class _Include:
    def __init__(self, page: str, line: str, root: Path) -> None:
        match = _DIRECTIVE.match(line)
        assert match is not None
        self.page = page  # the docs page (src_uri) that includes
        self.file = match["file"]  # repository path, posix
        args = {m[1]: m[2] if m[2] is not None else int(m[3]) for m in _ARG.finditer(match["args"])}
        unknown = set(args) - {"from", "to", "shift"}
        if unknown:
            raise PluginError(f"{page}: unknown include option(s) {sorted(unknown)}: {line}")
        path = root / self.file
        if not path.is_file():
            raise PluginError(f"{page}: includes {self.file}, which does not exist")
        start, self.lines = _select(path.read_text().splitlines(), args, f"{page}: {line}")
        self.shift = int(args.get("shift", 0))
        self.starts_file = start == 0

    def headings(self) -> list[str]:
        return [m[2] for _, m in _headings(self.lines)]


def _in_code(lines: list[str]) -> Iterator[tuple[str, bool]]:
    """Each line, and whether it is a fence or inside fenced code (left as it is)."""
    fenced = False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
            yield line, True
        else:
            yield line, fenced


def _headings(lines: list[str]) -> list[tuple[int, re.Match[str]]]:
    """(index, match) of each Markdown heading outside fenced code."""
    return [
        (i, m)
        for i, (line, code) in enumerate(_in_code(lines))
        if not code and (m := _HEADING.match(line))
    ]


def _directives(text: str) -> list[str]:
    """The include lines of a page, outside fenced code (where they are examples)."""
    return [
        line for line, code in _in_code(text.splitlines()) if not code and _DIRECTIVE.match(line)
    ]


def _select(lines: list[str], args: dict[str, Any], where: str) -> tuple[int, list[str]]:
    heads = _headings(lines)
    start, level = 0, 0
    if "from" in args:
        hit = [(i, m) for i, m in heads if m[0] == args["from"]]
        if not hit:
            raise PluginError(f"{where}: heading {args['from']!r} not found")
        start, level = hit[0][0], len(hit[0][1][1])
    end = len(lines)
    if "to" in args:
        after = [i for i, m in heads if m[0] == args["to"] and i > start]
        if not after:
            raise PluginError(f"{where}: heading {args['to']!r} not found after the start")
        end = after[0]
    elif level:
        end = next((i for i, m in heads if i > start and len(m[1]) <= level), len(lines))
    return start, lines[start:end]


class _Site:
    """Every include of the site, read once per build."""

    def __init__(self, root: Path, docs_dir: Path, pages: list[str]) -> None:
        self.docs_prefix = docs_dir.relative_to(root).as_posix() + "/"  # docs/ in the repo
        self.includes: dict[str, list[_Include]] = {}
        for page in pages:
            found = [
                _Include(page, line, root) for line in _directives((docs_dir / page).read_text())
            ]
            if found:
                self.includes[page] = found
        # repository file -> the page that includes it from its start; heading slug -> page
        self.file_page: dict[str, str] = {}
        self.anchor_page: dict[tuple[str, str], str] = {}
        for page, includes in self.includes.items():
            for inc in includes:
                if inc.starts_file:
                    self.file_page.setdefault(inc.file, page)
                for heading in inc.headings():
                    text = re.sub(r"[`*]", "", heading)
                    self.anchor_page.setdefault((inc.file, slugify(text, "-")), page)

    def render(self, page: str, markdown: str) -> str:
        includes = iter(self.includes.get(page, []))
        out = []
        for line, code in _in_code(markdown.splitlines()):
            if not code and _DIRECTIVE.match(line):
                out.extend(self._rewrite(page, next(includes)))
            else:
                out.append(line)
        return "\n".join(out) + "\n"

    def _rewrite(self, page: str, inc: _Include) -> list[str]:
        out = []
        for line, code in _in_code(inc.lines):
            if not code:
                if (m := _HEADING.match(line)) and inc.shift:
                    level = min(6, max(1, len(m[1]) + inc.shift))
                    line = f"{'#' * level} {m[2]}"
                line = self._links(page, inc, line)
            out.append(line)
        return out

    def _links(self, page: str, inc: _Include, line: str) -> str:
        # Leave `code spans` alone: split them out, rewrite the rest, put them back.
        parts = _INLINE_CODE.split(line)
        codes = _INLINE_CODE.findall(line)
        fixed = [_LINK.sub(lambda m: m[1] + self._target(page, inc, m[2]) + m[3], p) for p in parts]
        return "".join(f + (codes[i] if i < len(codes) else "") for i, f in enumerate(fixed))

    def _target(self, page: str, inc: _Include, target: str) -> str:
        if _SCHEME.match(target) or target.startswith("/"):
            return target
        path, _, anchor = target.partition("#")
        if path:
            repo_path = posixpath.normpath(posixpath.join(posixpath.dirname(inc.file), path))
        else:
            repo_path = inc.file
        if anchor and (to := self.anchor_page.get((repo_path, anchor))):
            dest = to
        elif not path:
            return target  # not a heading of the included files: mkdocs validates it
        elif repo_path in self.file_page:
            dest = self.file_page[repo_path]
        elif repo_path.startswith(self.docs_prefix):
            dest = repo_path.removeprefix(self.docs_prefix)
        else:
            raise PluginError(
                f"{page}: the text included from {inc.file} links to {target!r}, which is "
                "not on the site: include that file in a page, or change the link"
            )
        if dest == page and anchor:
            return f"#{anchor}"
        rel = posixpath.relpath(dest, posixpath.dirname(page) or ".")
        return rel + (f"#{anchor}" if anchor else "")


_site: _Site | None = None
_rendered: set[str] = set()  # heading ids of the API reference pages
_ID = re.compile(r'\bid="([A-Za-z_][\w.]*)"')


def on_files(files: Any, config: Any) -> Any:
    global _site
    root = Path(config.config_file_path).parent
    docs_dir = Path(config.docs_dir)
    pages = [f.src_uri for f in files.documentation_pages()]
    _site = _Site(root, docs_dir, pages)
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    assert _site is not None
    return _site.render(page.file.src_uri, markdown)


def _public_names(init: Path) -> list[str]:
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return [ast.literal_eval(e) for e in node.value.elts]  # type: ignore[attr-defined]
    raise PluginError(f"{init}: no __all__")


def on_post_page(output: str, page: Any, config: Any) -> str:
    if page.file.src_uri.startswith("reference/"):
        _rendered.update(_ID.findall(output))
    return output


def on_post_build(config: Any) -> None:
    root = Path(config.config_file_path).parent
    missing = [
        f"{package}.{name}"
        for package, init in PUBLIC_PACKAGES.items()
        for name in _public_names(root / init)
        if not name.startswith("__") and f"{package}.{name}" not in _rendered
    ]
    _rendered.clear()
    if missing:
        raise PluginError(
            "public names not rendered in the API reference (add a `::: name` line to a "
            f"page under docs/reference/, or give the object a docstring): {', '.join(missing)}"
        )
