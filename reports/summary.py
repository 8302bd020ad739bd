"""The run summary: the summary.json document and the one-screen console table.

Verdicts, their aggregation and the exit rule come from :mod:`harness.results`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Protocol

from lti_harness.harness import baseline as baselines
from lti_harness.harness import redact, results, sources
from lti_harness.harness.baseline import stale_message

LABELS = {results.FAILED: "FAILED", results.ERROR: "ERROR ", results.NOT_APPLICABLE: "N/A   "}


class CheckOutcome(Protocol):
    outcome: str

    def to_dict(self) -> dict[str, Any]: ...


def build(checks: Iterable[CheckOutcome], *, target: str, seed: Any, strict: bool, duration_s: float,
          unlinked_failures: list[str], created: list[str] | None = None,
          changed: list[str] | None = None, cleanup: dict[str, Any] | None = None,
          baseline: list[Any] | None = None, baseline_file: str = "", today: Any = None) -> dict[str, Any]:
    """``{"passed", "failed", "error", "not_applicable", "exit_code", …, "checks": [{"id", "outcome", …}]}``
    (each check's ``"documents"`` say where the documents its source cites are: :mod:`harness.sources`),
    every string in it redacted (messages quote what targets answered). With ``baseline`` (entries of
    :mod:`harness.baseline`), known failures keep the outcome ``failed`` and carry ``"known"``, and
    ``"baseline"`` lists the stale entries (expired, or their check now passes)."""
    items = sorted((redact.strings(c.to_dict()) for c in checks), key=lambda d: d["id"])
    for it in items:  # where the check's cited documents and sections are, inside the installed package
        if "source" in it:
            it["documents"] = [d.to_dict() for d in sources.cite(it["source"])]
    stale: list[dict[str, Any]] = []
    if baseline is not None:
        stale = redact.strings(baselines.apply(items, baseline, today=today))
    suites: dict[str, dict[str, int]] = {}
    for it in items:
        suites.setdefault(it["suite"], dict.fromkeys(results.OUTCOMES, 0))[it["outcome"]] += 1
    doc: dict[str, Any] = {
        **results.tally(items),
        "failed_required": sum(1 for i in items if i["outcome"] == results.FAILED and i["level"] == "required"),
        "known_failures": sum(1 for i in items if i.get("known")),
        "exit_code": results.exit_code(items, strict=strict, unlinked_failures=len(unlinked_failures), stale_baseline=len(stale)),
        "strict": strict,
        "target": target,
        "seed": seed,
        "duration_s": round(duration_s, 2),
        "suites": suites,
        "unlinked_failures": unlinked_failures,
        "created_on_target": [redact.text(x) for x in created or []],
        "changed_on_target": [redact.text(x) for x in changed or []],
        "checks": items,
    }
    if cleanup is not None:  # --cleanup: how many objects were removed, and what was left (each line says why)
        doc["cleanup"] = redact.strings(cleanup)
    if baseline is not None:
        doc["baseline"] = {"file": redact.text(baseline_file), "entries": len(baseline), "stale": stale}
    return doc


def write(doc: dict[str, Any], report_dir: str | Path) -> Path:
    out = Path(report_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "summary.json"
    path.write_text(json.dumps(redact.strings(doc), indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def console(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Lines of the console summary with a style each: '', 'red', 'yellow' or 'green' (redacted)."""
    return [(redact.text(text), style) for text, style in _console_lines(doc)]


def _console_lines(doc: dict[str, Any]) -> list[tuple[str, str]]:
    lines = [(f"target: {doc['target'] or '(none)'}    seed: {doc['seed'] if doc['seed'] is not None else 'random'}", "")]
    lines.append((f"{'suite':<22}{'passed':>8}{'failed':>8}{'error':>7}{'n/a':>6}", ""))
    for name, s in sorted(doc["suites"].items()):
        lines.append((f"{name:<22}{s['passed']:>8}{s['failed']:>8}{s['error']:>7}{s['not_applicable']:>6}", ""))
    lines.append((f"{'total':<22}{doc['passed']:>8}{doc['failed']:>8}{doc['error']:>7}{doc['not_applicable']:>6}", ""))
    for it in doc["checks"]:
        if it["outcome"] == results.PASSED:
            continue
        known = it.get("known")
        counted = it["outcome"] == results.FAILED and results.counts(it["level"], doc["strict"]) and not known
        style = "red" if counted else "yellow" if it["outcome"] != results.NOT_APPLICABLE else ""
        label = "KNOWN " if known else LABELS[it["outcome"]]
        lines.append((f"{label} {it['id']} [{it['level']}] {it['title']}" + (" (known failure)" if known else ""), style))
        if known:
            until = f" (until {known['expires']})" if known.get("expires") else ""
            lines.append((f"       known: {known['reason']}{until}", ""))
        for msg in dict.fromkeys(it.get("messages", [])):
            lines.append((f"       {msg}", ""))
    base = doc.get("baseline") or {}
    for entry in base.get("stale", []):
        lines.append((f"BASELINE {stale_message(entry, base.get('file') or 'the baseline')}", "red"))
    for nodeid in doc["unlinked_failures"]:
        lines.append((f"ERROR  {nodeid} (not tied to a check)", "red"))
    if doc.get("created_on_target"):
        lines.append((f"created on the target by this run: {len(doc['created_on_target'])} object(s) (listed in summary.json)", ""))
    for line in doc.get("changed_on_target", []):
        lines.append((f"changed on the target: {line}", "yellow" if "NOT restored" in line or "left" in line else ""))
    if doc.get("cleanup") is not None:
        left = doc["cleanup"]["left"]
        lines.append((f"cleanup: {doc['cleanup']['undone']} object(s) removed" + (f"; {len(left)} left on the target:" if left else ""), "yellow" if left else ""))
        for line in left:
            lines.append((f"       {line}", ""))
    code = doc["exit_code"]
    known_note = f"; {doc['known_failures']} known failure(s) in the baseline" if doc.get("known_failures") else ""
    if code == results.EXIT_FAILED:
        counted = sum(1 for i in doc["checks"]
                      if i["outcome"] == results.FAILED and results.counts(i["level"], doc["strict"]) and not i.get("known"))
        why = [f"{counted} {'applicable' if doc['strict'] else 'required'} check(s) failed"] if counted or not base.get("stale") else []
        if base.get("stale"):
            why.append(f"{len(base['stale'])} baseline entr{'y is' if len(base['stale']) == 1 else 'ies are'} stale: remove "
                       f"{'it' if len(base['stale']) == 1 else 'them'}")
        lines.append((f"result: FAIL ({'; '.join(why)}{known_note})", "red"))
    elif code == results.EXIT_UNTESTED:
        lines.append((f"result: UNTESTED ({doc['error']} check(s) could not be tested; none failed{known_note}) — exit code {code}", "yellow"))
    elif not (doc["passed"] or doc["failed"] or doc["error"]):
        lines.append(("result: NOTHING TESTED (every check is not applicable for this profile; see the reasons above)", "yellow"))
    else:
        rec = doc["failed"] - doc.get("known_failures", 0)
        extra = f"; {rec} recommended check(s) failed (--strict counts them)" if rec else ""
        lines.append((f"result: PASS{extra}{known_note}", "green"))
    return lines
