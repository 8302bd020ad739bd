"""The run summary: the summary.json document and the one-screen console table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Protocol


class CheckOutcome(Protocol):
    outcome: str

    def to_dict(self) -> dict[str, Any]: ...


def build(checks: Iterable[CheckOutcome], *, target: str, seed: Any, strict: bool, duration_s: float, unlinked_failures: list[str]) -> dict[str, Any]:
    """``{"passed", "failed", "not_applicable", …, "checks": [{"id", "outcome", …}]}``."""
    items = sorted((c.to_dict() for c in checks), key=lambda d: d["id"])
    suites: dict[str, dict[str, int]] = {}
    for it in items:
        counts = suites.setdefault(it["suite"], {"passed": 0, "failed": 0, "not_applicable": 0})
        counts[it["outcome"]] += 1
    return {
        "passed": sum(1 for i in items if i["outcome"] == "passed"),
        "failed": sum(1 for i in items if i["outcome"] == "failed"),
        "not_applicable": sum(1 for i in items if i["outcome"] == "not_applicable"),
        "failed_required": sum(1 for i in items if i["outcome"] == "failed" and i["level"] == "required"),
        "strict": strict,
        "target": target,
        "seed": seed,
        "duration_s": round(duration_s, 2),
        "suites": suites,
        "unlinked_failures": unlinked_failures,
        "checks": items,
    }


def write(doc: dict[str, Any], report_dir: str | Path) -> Path:
    out = Path(report_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "summary.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def console(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Lines of the console summary with a style each: '', 'red', 'yellow' or 'green'."""
    lines = [(f"target: {doc['target'] or '(none)'}    seed: {doc['seed'] if doc['seed'] is not None else 'random'}", "")]
    lines.append((f"{'suite':<22}{'passed':>8}{'failed':>8}{'n/a':>6}", ""))
    for name, s in sorted(doc["suites"].items()):
        lines.append((f"{name:<22}{s['passed']:>8}{s['failed']:>8}{s['not_applicable']:>6}", ""))
    lines.append((f"{'total':<22}{doc['passed']:>8}{doc['failed']:>8}{doc['not_applicable']:>6}", ""))
    for it in doc["checks"]:
        if it["outcome"] == "passed":
            continue
        failed = it["outcome"] == "failed"
        style = "red" if failed and (it["level"] == "required" or doc["strict"]) else "yellow"
        lines.append((f"{'FAILED' if failed else 'N/A   '} {it['id']} [{it['level']}] {it['title']}", style))
        for msg in dict.fromkeys(it.get("messages", [])):
            lines.append((f"       {msg}", ""))
    for nodeid in doc["unlinked_failures"]:
        lines.append((f"ERROR  {nodeid} (not tied to a check)", "red"))
    counted = [i for i in doc["checks"] if i["outcome"] == "failed" and (doc["strict"] or i["level"] == "required")]
    if counted or doc["unlinked_failures"]:
        lines.append((f"result: FAIL ({len(counted)} {'applicable' if doc['strict'] else 'required'} check(s) failed)", "red"))
    else:
        rec = doc["failed"]
        extra = f"; {rec} recommended check(s) failed (--strict counts them)" if rec else ""
        lines.append((f"result: PASS{extra}", "green"))
    return lines
