"""Rendering a comparison of two runs (:mod:`harness.compare`): the console table and the HTML page."""

from __future__ import annotations

import html
from pathlib import Path

from lti_harness.harness import redact
from lti_harness.harness.compare import Change, Comparison

HEADINGS = {
    "newly_failing": "newly failing",
    "newly_passing": "newly passing",
    "changed_verdicts": "verdict changed",
    "changed_messages": "message changed",
    "only_in_a": "only in A",
    "only_in_b": "only in B",
}


def _verdict(outcome: str | None, known: bool = False) -> str:
    if outcome is None:
        return "-"
    return "known failure" if known else outcome.replace("_", " ")


def _result(cmp: Comparison) -> str:
    if cmp.regressions:
        return f"result: REGRESSED ({len(cmp.regressions)} required check(s) fail in B that did not fail in A: {', '.join(c.id for c in cmp.regressions)})"
    changed = sum(len(getattr(cmp, k)) for k in cmp.KINDS)
    return f"result: no new required failure ({changed} check(s) differ, {cmp.unchanged} alike)"


def console(cmp: Comparison) -> list[tuple[str, str]]:
    """Lines of the console table with a style each ('', 'red', 'yellow' or 'green'), redacted."""
    lines: list[tuple[str, str]] = [(f"A: {cmp.a}", ""), (f"B: {cmp.b}", "")]
    lines.append((f"{'change':<17}{'check':<11}{'level':<13}{'A':<16}{'B':<16}title", ""))
    for kind in cmp.KINDS:
        for c in getattr(cmp, kind):
            style = "red" if kind == "newly_failing" else "green" if kind == "newly_passing" else "yellow" if kind != "changed_messages" else ""
            lines.append((f"{HEADINGS[kind]:<17}{c.id:<11}{c.level:<13}{_verdict(c.before):<16}"
                          f"{_verdict(c.after, c.known_after):<16}{c.title}", style))
            if kind in ("newly_failing", "changed_messages", "changed_verdicts", "only_in_b"):
                for msg in dict.fromkeys(c.messages_after):
                    lines.append((f"{'':<17}B: {msg}", ""))
            if kind == "changed_messages":
                for msg in dict.fromkeys(c.messages_before):
                    lines.append((f"{'':<17}A: {msg}", ""))
    lines.append((_result(cmp), "red" if cmp.regressions else "green"))
    return [(redact.text(text), style) for text, style in lines]


def _row(kind: str, c: Change) -> str:
    def msgs(items: list[str]) -> str:
        return "<br>".join(html.escape(redact.text(m)) for m in dict.fromkeys(items))

    return (f"<tr class='{kind}'><td>{html.escape(HEADINGS[kind])}</td><td>{html.escape(c.id)}</td><td>{html.escape(c.level)}</td>"
            f"<td>{html.escape(_verdict(c.before))}</td><td>{html.escape(_verdict(c.after, c.known_after))}</td>"
            f"<td>{html.escape(redact.text(c.title))}</td><td>{msgs(c.messages_before)}</td><td>{msgs(c.messages_after)}</td></tr>")


def page(cmp: Comparison) -> str:
    """A self-contained HTML page of the comparison."""
    rows = [_row(kind, c) for kind in cmp.KINDS for c in getattr(cmp, kind)]
    counts = "".join(f"<li>{html.escape(HEADINGS[k])}: {len(getattr(cmp, k))}</li>" for k in cmp.KINDS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>LTI conformance: comparison of two runs</title>
<style>body{{font-family:sans-serif;margin:1.5em}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}}
tr.newly_failing td{{background:#fdd}} tr.newly_passing td{{background:#dfd}} tr.changed_verdicts td{{background:#ffd}}</style></head>
<body><h1>LTI conformance: comparison of two runs</h1>
<p>A: {html.escape(redact.text(cmp.a))}<br>B: {html.escape(redact.text(cmp.b))}</p>
<p><b>{html.escape(redact.text(_result(cmp)))}</b> (exit code {cmp.exit_code})</p>
<ul>{counts}<li>alike: {cmp.unchanged}</li></ul>
<table><tr><th>change</th><th>check</th><th>level</th><th>A</th><th>B</th><th>title</th><th>A's messages</th><th>B's messages</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""


def write_page(cmp: Comparison, path: str | Path) -> Path:
    """Write :func:`page` to ``path`` (its folder is created)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page(cmp), encoding="utf-8")
    return out
