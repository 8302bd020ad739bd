"""Where a citation points: the source documents shipped with the package (``lti_harness/sources/``) that a
check's ``source`` string names, and the sections of them it cites.

A citation names a document by file name (``canvas-facts.md``, ``ims-facts.md``,
``003_7b3da58a284c44ed.txt``), by a seed's short form (``seed 003``, ``003_…``), and a section by its number
after the name (``canvas-facts.md §1c``, ``ims-facts.md §2.4``, ``§1.1–1.3``) or by its quoted title
(``"Common Error Codes"``). A ``§`` inside parentheses or after a ``;`` that starts another reference
(``RFC 6749 §5.2``) belongs to that other text, not to the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

PACKAGE = "lti_harness.sources"
FACT_SHEETS = ("canvas-facts.md", "ims-facts.md")

_SEED_FILE = re.compile(r"^(\d{3})_[0-9a-f]+\.txt$")
_MENTION = re.compile(
    r"(?<![\w/.-])(?:(?P<file>[\w-]+(?:\.[\w-]+)*\.(?:md|txt))\b"
    r"|(?P<short>\d{3})_…(?:\.txt)?"
    r"|seed (?P<seed>\d{3})\b)"
)
_SECTION = re.compile(r"§\s*(?P<ref>\d+(?:\.\d+)*[a-z]?)(?:\s*[–-]\s*(?P<to>\d+(?:\.\d+)*[a-z]?)\b)?")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*$")
_NUMBERED = re.compile(r"^(?P<ref>\d+(?:\.\d+)*[a-z]?)\.?\s")


@dataclass(frozen=True)
class Section:
    """A cited section: its reference as cited (``§1c`` or a quoted title), its heading, its line (1-based)."""

    ref: str
    heading: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "heading": self.heading, "line": self.line}


@dataclass(frozen=True)
class Citation:
    """One document a citation names, and what it cites of it."""

    document: str
    """The file name (a seed's short form is resolved to its file name)."""
    path: Path | None
    """The packaged file; ``None`` when the package has no such document."""
    sections: tuple[Section, ...] = ()
    missing: tuple[str, ...] = ()
    """Numbered sections cited (``§7``) that the document has no heading for."""

    @property
    def relative(self) -> str:
        """The path inside the source documents' folder (``seeds/003_….txt``), or the name as cited."""
        return self.path.relative_to(sources_dir()).as_posix() if self.path else self.document

    @property
    def package_path(self) -> str:
        """The path inside the installed package, ``lti_harness/sources/…`` (empty when not packaged)."""
        return f"lti_harness/sources/{self.relative}" if self.path else ""

    def to_dict(self, *, absolute: bool = False) -> dict[str, Any]:
        """``{"document", "package_path", "sections", "missing"}``, with ``"path"`` (this machine's) when
        ``absolute``."""
        out: dict[str, Any] = {"document": self.document, "package_path": self.package_path}
        if absolute:
            out["path"] = str(self.path) if self.path else None
        out["sections"] = [s.to_dict() for s in self.sections]
        out["missing"] = list(self.missing)
        return out


def sources_dir() -> Path:
    """The folder of the packaged source documents."""
    return Path(str(resources.files(PACKAGE)))


@lru_cache(maxsize=1)
def documents() -> dict[str, Path]:
    """Every citable document by file name: the fact sheets and the seed documents."""
    root = sources_dir()
    found = {name: root / name for name in FACT_SHEETS if (root / name).is_file()}
    for path in sorted((root / "seeds").glob("*.txt")):
        found[path.name] = path
    return found


def seed_document(number: str) -> str | None:
    """The file name of seed ``number`` (``"003"``), if the package has it."""
    return next((name for name in documents() if (m := _SEED_FILE.match(name)) and m.group(1) == number), None)


@lru_cache(maxsize=None)
def _lines(name: str) -> tuple[str, ...]:
    return tuple(documents()[name].read_text(encoding="utf-8").splitlines())


@lru_cache(maxsize=None)
def headings(name: str) -> tuple[tuple[int, int, str, str], ...]:
    """The Markdown headings of document ``name``: ``(line, level, number or "", text)`` in order."""
    out = []
    for i, line in enumerate(_lines(name), start=1):
        if m := _HEADING.match(line):
            text = m.group("text")
            num = _NUMBERED.match(text)
            out.append((i, len(m.group("hashes")), num.group("ref") if num else "", text))
    return tuple(out)


def numbered_sections(name: str) -> dict[str, Section]:
    """The numbered headings of document ``name`` (``"1c"``, ``"2.4"``) as sections; empty for a document
    without numbered headings (the seeds)."""
    return {ref: Section(f"§{ref}", _label(text), line) for line, _, ref, text in headings(name) if ref}


def _list_item(name: str, ref: str) -> Section | None:
    """``§0.1`` where section 0 has no heading 0.1 but a numbered list: item 1 of section 0's list."""
    parent, _, item = ref.rpartition(".")
    if not parent or not item.isdigit() or parent not in numbered_sections(name):
        return None
    first, last = _section_span(name, parent)
    lines = _lines(name)
    for i in range(first, last + 1):
        if re.match(rf"{item}\.\s", lines[i - 1]):
            return Section(f"§{ref}", _label(lines[i - 1]), i)
    return None


def _section_span(name: str, ref: str) -> tuple[int, int]:
    """The lines (first, last) of numbered section ``ref``: up to the next heading of its level or above."""
    hs = headings(name)
    for k, (line, level, num, _) in enumerate(hs):
        if num == ref:
            end = next((h[0] - 1 for h in hs[k + 1:] if h[1] <= level), len(_lines(name)))
            return line, end
    return 1, len(_lines(name))


def _label(text: str) -> str:
    """A line as a section's label: no Markdown heading marks or emphasis, at most 80 characters."""
    text = re.sub(r"^#+\s*|^[-*]\s+|\*\*", "", text.strip()).strip()
    return text if len(text) <= 80 else text[:79] + "…"


def _plain(text: str) -> str:
    return re.sub(r"[*`]", "", text).strip(" -#|:.").lower()


def _titled(name: str, title: str, within: list[str]) -> Section | None:
    """Where in document ``name`` a quoted title or quotation is: a heading that holds it, else a line
    that starts with it (a bold label, a seed's heading line), else (12 characters or more) a line that
    quotes it; the cited numbered sections first, then the whole document. ``None`` when not found."""
    want = _plain(title)
    if not want:
        return None
    lines = _lines(name)
    heads = {line for line, *_ in headings(name)}
    spans = [_section_span(name, ref) for ref in within] + [(1, len(lines))]
    tests = [lambda i, text: i in heads and want in text,
             lambda i, text: text.startswith(want),
             lambda i, text: len(want) >= 12 and want in text]
    for test in tests:
        for first, last in spans:
            for i in range(first, last + 1):
                if test(i, _plain(lines[i - 1])):  # a long line (seed 002 is one JSON line) is labelled by the title
                    return Section(f'"{title}"', _label(lines[i - 1]) if len(lines[i - 1]) <= 120 else title, i)
    return None


def _groups(text: str) -> list[int]:
    """For each character, the offset of the innermost parenthesis around it (-1 outside all), quoted
    strings ("…") counted as plain text."""
    groups, stack, quoted = [], [-1], False
    pairs = text.count('"') - text.count('"') % 2  # an odd last quote opens nothing
    seen = 0
    for i, ch in enumerate(text):
        if ch == '"' and seen < pairs:
            seen += 1
            quoted = not quoted
        elif not quoted and ch == "(":
            stack.append(i)
        groups.append(stack[-1])
        if not quoted and ch == ")" and len(stack) > 1:
            stack.pop()
    return groups


def _resolve(m: re.Match[str]) -> str:
    if m.group("file"):
        return m.group("file")
    number = m.group("short") or m.group("seed")
    return seed_document(number) or f"seed {number}"


def cite(source: str) -> list[Citation]:
    """The documents ``source`` names, in order of first mention, each with the sections cited after it."""
    groups = _groups(source)
    events: list[tuple[int, str, Any]] = []
    for m in _MENTION.finditer(source):
        events.append((m.start(), "doc", (_resolve(m), m.end())))
    for m in _SECTION.finditer(source):
        events.append((m.start(), "sec", m))
    for m in re.finditer(r'"([^"]+)"', source):
        events.append((m.start(), "title", m.group(1)))
    for m in re.finditer(r";", source):
        events.append((m.start(), "end", None))
    events.sort(key=lambda e: e[0])

    order: list[str] = []
    refs: dict[str, list[str]] = {}
    titles: dict[str, list[str]] = {}
    current: dict[int, str | None] = {}
    for at, kind, value in events:
        d = groups[at]
        if kind == "doc":
            name, _ = value
            current[d] = name
            if name not in refs:
                order.append(name)
                refs[name], titles[name] = [], []
        elif kind == "end":
            rest = source[at + 1:].lstrip()
            if not rest.startswith("§"):  # "; §2.5 …" continues the same document; anything else starts anew
                current[d] = None
        elif (name := current.get(d)) is not None:
            if kind == "sec":
                for ref in (value.group("ref"), value.group("to")):
                    if ref and ref not in refs[name]:
                        refs[name].append(ref)
            else:
                titles[name].append(value)
    return [_citation(name, refs[name], titles[name]) for name in order]


def _citation(name: str, refs: list[str], titles: list[str]) -> Citation:
    path = documents().get(name)
    if path is None:
        return Citation(name, None, missing=tuple(f"§{r}" for r in refs))
    numbered = numbered_sections(name)
    for ref in refs:
        if ref not in numbered and (item := _list_item(name, ref)):
            numbered = {**numbered, ref: item}
    sections = [numbered[r] for r in refs if r in numbered]
    missing = tuple(f"§{r}" for r in refs if r not in numbered) if numbered else ()
    for title in titles:
        found = _titled(name, title, [r for r in refs if r in numbered])
        if found and all(found.line != s.line for s in sections):
            sections.append(found)
    return Citation(name, path, tuple(sections), missing)


def describe(source: str, *, titles: bool = True) -> str:
    """One line naming where each cited document and section is, as ``path:line (heading)`` (or just
    ``path:line`` without ``titles``) relative to the source documents' folder; empty when the citation
    names no document."""
    parts = []
    for c in cite(source):
        if c.path is None:
            parts.append(f"{c.document} (not in the package)")
        elif c.sections:
            parts.append(", ".join(f"{c.relative}:{s.line}" + (f" ({s.heading})" if titles else "") for s in c.sections))
        else:
            parts.append(c.relative)
    return "; ".join(parts)
