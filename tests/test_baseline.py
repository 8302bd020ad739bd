"""Baselines of known failures: the file format, how a run's summary applies it, the exit rule, and the
CLI end to end (a known failure under a fault; the same baseline failing a faultless run)."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import cli
from lti_harness.harness import baseline, results
from lti_harness.reports import summary

IDS = ["AGS-012", "DR-013", "DR-017", "KEY-001"]
TODAY = dt.date(2027, 1, 15)


def _item(cid: str, outcome: str, level: str = "required", messages: list[str] | None = None) -> dict:
    out = {"id": cid, "title": f"title of {cid}", "suite": "s", "level": level, "source": "src", "needs": [],
           "outcome": outcome, "tests": [f"t::{cid}"]}
    if outcome != results.PASSED:
        out["messages"] = messages or [f"{cid} went wrong"]
    return out


class _Fake:
    def __init__(self, item: dict) -> None:
        self.item, self.outcome = item, item["outcome"]

    def to_dict(self) -> dict:
        return dict(self.item)


def _doc(items: list[dict], entries: list[baseline.Known] | None, strict: bool = False) -> dict:
    return summary.build([_Fake(i) for i in items], target="http://t", seed=1, strict=strict, duration_s=0.1,
                         unlinked_failures=[], baseline=entries, baseline_file="known.toml", today=TODAY)


# --- the file -------------------------------------------------------------------------------------


def test_parse_reads_entries_with_and_without_dates():
    text = '[[known]]\ncheck = "AGS-012"\nreason = "rounding"\nexpires = 2027-03-31\n\n[[known]]\ncheck = "DR-013"\nreason = "forged tokens"\n'
    entries = baseline.parse(text, known_ids=IDS)
    assert entries == [baseline.Known("AGS-012", "rounding", dt.date(2027, 3, 31)), baseline.Known("DR-013", "forged tokens", None)]


def test_parse_accepts_a_date_written_as_a_string_and_an_empty_file():
    assert baseline.parse('[[known]]\ncheck = "DR-013"\nreason = "r"\nexpires = "2027-03-31"\n', known_ids=IDS)[0].expires == dt.date(2027, 3, 31)
    assert baseline.parse("", known_ids=IDS) == []


def test_parse_reports_every_problem_with_entry_line_and_field():
    text = (
        '[[known]]\ncheck = "AGS-12"\nreason = "x"\n\n'        # entry 1, line 1: unknown id
        '[[known]]\ncheck = "DR-013"\nreson = "typo"\n\n'        # entry 2, line 5: misspelt field, no reason
        '[[known]]\ncheck = "DR-017"\nreason = "r"\nexpires = "next year"\n\n'  # entry 3, line 9: bad date
        '[[known]]\ncheck = "DR-017"\nreason = "again"\n\n'     # entry 4, line 14: listed twice
        '[[knwon]]\ncheck = "KEY-001"\n'                          # a misspelt table
    )
    with pytest.raises(baseline.BaselineError) as info:
        baseline.parse(text, name="known.toml", known_ids=IDS)
    msg = str(info.value)
    assert "known.toml: entry 1 (line 1): field 'check': unknown check id 'AGS-12' (did you mean 'AGS-012'?)" in msg
    assert "entry 2 (line 5): unknown field 'reson' (did you mean 'reason'?)" in msg
    assert "entry 2 (line 5): field 'reason' must be a non-empty string" in msg
    assert "entry 3 (line 9): field 'expires' must be a date" in msg
    assert "entry 4 (line 14): field 'check': DR-017 is already listed in entry 3" in msg
    assert "unknown top-level key 'knwon' (did you mean 'known'?)" in msg


def test_parse_refuses_toml_that_does_not_parse_naming_the_line():
    with pytest.raises(baseline.BaselineError, match=r"known.toml: not valid TOML: .*line 2"):
        baseline.parse('[[known]]\ncheck = "DR-013\n', name="known.toml", known_ids=IDS)


def test_load_refuses_a_missing_file(tmp_path: Path):
    with pytest.raises(baseline.BaselineError, match="no such file"):
        baseline.load(tmp_path / "absent.toml")


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1).filter(lambda s: s.strip()), st.one_of(st.none(), st.dates()))
def test_render_round_trips_any_reason(reason: str, expires: dt.date | None):
    entries = [baseline.Known("DR-013", reason.strip(), expires)]
    text = baseline.render(entries, header="a header\nwith two lines")
    tomllib.loads(text)
    back = baseline.parse(text, known_ids=IDS)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in reason):
        assert back[0].check == "DR-013"
    else:
        assert back == entries


def test_from_summary_lists_every_failed_check_with_its_first_message_or_known_reason():
    doc = {"checks": [_item("DR-013", "failed", messages=["first", "second"]), _item("DR-017", "passed"),
                      _item("KEY-001", "error"),
                      {**_item("AGS-012", "failed"), "known": {"reason": "kept", "expires": "2027-03-31"}}]}
    assert baseline.from_summary(doc) == [baseline.Known("DR-013", "first"), baseline.Known("AGS-012", "kept", dt.date(2027, 3, 31))]


# --- applying it ----------------------------------------------------------------------------------


def test_a_known_failure_keeps_its_outcome_and_does_not_fail_the_run():
    doc = _doc([_item("DR-013", "failed"), _item("DR-017", "passed")], [baseline.Known("DR-013", "forged tokens", dt.date(2027, 3, 31))])
    item = next(i for i in doc["checks"] if i["id"] == "DR-013")
    assert item["outcome"] == "failed" and item["known"] == {"reason": "forged tokens", "expires": "2027-03-31"}
    assert doc["failed"] == 1 and doc["known_failures"] == 1 and doc["baseline"]["stale"] == []
    assert doc["exit_code"] == results.EXIT_OK
    text = "\n".join(t for t, _ in summary.console(doc))
    assert "KNOWN  DR-013 [required]" in text and "known: forged tokens (until 2027-03-31)" in text
    assert "result: PASS; 1 known failure(s) in the baseline" in text


def test_an_unknown_failure_still_fails_the_run_beside_a_known_one():
    doc = _doc([_item("DR-013", "failed"), _item("DR-017", "failed")], [baseline.Known("DR-013", "r")])
    assert doc["exit_code"] == results.EXIT_FAILED
    lines = summary.console(doc)
    assert ("result: FAIL (1 required check(s) failed; 1 known failure(s) in the baseline)", "red") in lines


def test_a_known_failure_that_now_passes_fails_the_run_saying_to_remove_it():
    doc = _doc([_item("DR-013", "passed")], [baseline.Known("DR-013", "r")])
    assert doc["exit_code"] == results.EXIT_FAILED
    assert doc["baseline"]["stale"] == [{"check": "DR-013", "reason": "r", "expires": None, "problem": baseline.NOW_PASSES}]
    text = "\n".join(t for t, _ in summary.console(doc))
    assert "BASELINE DR-013: known failure now passes; remove it from known.toml" in text
    assert "result: FAIL (1 baseline entry is stale: remove it)" in text


def test_an_expired_entry_fails_the_run_and_no_longer_covers_its_failure():
    doc = _doc([_item("DR-013", "failed")], [baseline.Known("DR-013", "r", dt.date(2027, 1, 14))])
    assert doc["exit_code"] == results.EXIT_FAILED
    assert "known" not in doc["checks"][0]
    assert doc["baseline"]["stale"][0]["problem"] == "the entry expired on 2027-01-14"
    # the expiry day itself still holds
    assert _doc([_item("DR-013", "failed")], [baseline.Known("DR-013", "r", TODAY)])["exit_code"] == results.EXIT_OK


def test_entries_for_checks_not_run_or_not_judged_are_left_alone():
    entries = [baseline.Known("AGS-012", "not run"), baseline.Known("DR-013", "error"), baseline.Known("DR-017", "n/a")]
    doc = _doc([_item("DR-013", "error"), _item("DR-017", "not_applicable"), _item("KEY-001", "passed")], entries)
    assert doc["baseline"]["stale"] == [] and doc["known_failures"] == 0
    assert doc["exit_code"] == results.EXIT_UNTESTED


def test_known_recommended_failures_do_not_count_under_strict():
    doc = _doc([_item("DR-013", "failed", level="recommended")], [baseline.Known("DR-013", "r")], strict=True)
    assert doc["exit_code"] == results.EXIT_OK


def test_without_a_baseline_the_summary_has_no_baseline_block():
    doc = _doc([_item("DR-013", "failed")], None)
    assert "baseline" not in doc and doc["known_failures"] == 0 and doc["exit_code"] == results.EXIT_FAILED


# --- the CLI --------------------------------------------------------------------------------------

FAULT, PAIRED = "accept-forged-token", "DR-013"
SELECTION = ("--suite", "registration", "--check", "DR-001", "--check", "DR-013", "--check", "DR-017",
             "--examples", "2", "--seed", "7", "--no-shrink")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_baseline_naming_a_check_that_fails_under_a_fault(run_harness, tmp_path: Path):
    known = _write(tmp_path / "known.toml", f'[[known]]\ncheck = "{PAIRED}"\nreason = "forged tokens accepted; fix due"\n')
    under_fault = run_harness("--fault", FAULT, *SELECTION, "--baseline", str(known))
    assert under_fault.code == 0, under_fault.stdout[-2500:] + under_fault.stderr[-1500:]
    item = next(c for c in under_fault.summary["checks"] if c["id"] == PAIRED)
    assert item["outcome"] == "failed" and item["known"]["reason"] == "forged tokens accepted; fix due"
    assert under_fault.summary["exit_code"] == 0 and under_fault.summary["known_failures"] == 1
    assert f"KNOWN  {PAIRED}" in under_fault.stdout
    assert "known failure" in (under_fault.report_dir / "report.html").read_text(encoding="utf-8")

    faultless = run_harness(*SELECTION, "--baseline", str(known))
    assert faultless.code == 1, faultless.stdout[-2500:]
    assert f"{PAIRED}: known failure now passes; remove it from" in faultless.stdout
    assert faultless.summary["baseline"]["stale"][0]["problem"] == "known failure now passes"

    # baseline write from the fault run gives a file that the same run accepts
    written = tmp_path / "written.toml"
    proc = cli("baseline", "write", "--from", str(under_fault.report_dir), "--output", str(written))
    assert proc.returncode == 0, proc.stderr
    assert [e.check for e in baseline.load(written)] == [PAIRED]


def test_an_expired_entry_fails_the_run(run_harness, tmp_path: Path):
    known = _write(tmp_path / "known.toml", f'[[known]]\ncheck = "{PAIRED}"\nreason = "r"\nexpires = 2020-01-31\n')
    result = run_harness("--fault", FAULT, *SELECTION, "--baseline", str(known))
    assert result.code == 1
    assert f"{PAIRED}: the entry expired on 2020-01-31; remove it from" in result.stdout


def test_a_bad_baseline_is_a_usage_error_before_anything_runs(tmp_path: Path):
    bad = _write(tmp_path / "known.toml", '[[known]]\ncheck = "DR-999"\nreason = "r"\n')
    proc = cli("run", "--report-dir", str(tmp_path / "out"), "--baseline", str(bad), cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert "entry 1 (line 1): field 'check': unknown check id 'DR-999'" in proc.stderr
    assert not (tmp_path / "out").exists()
    missing = cli("run", "--report-dir", str(tmp_path / "out"), "--baseline", str(tmp_path / "nope.toml"), cwd=tmp_path, timeout=60)
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_baseline_write_refuses_what_is_not_a_summary_and_an_existing_file(tmp_path: Path):
    (tmp_path / "x.json").write_text("[1, 2]", encoding="utf-8")
    proc = cli("baseline", "write", "--from", str(tmp_path / "x.json"), "--output", str(tmp_path / "k.toml"), timeout=60)
    assert proc.returncode == 2 and "not a run's summary.json" in proc.stderr
    good = tmp_path / "summary.json"
    good.write_text(json.dumps({"target": "t", "seed": 1, "checks": [_item("DR-013", "failed", messages=['say "hi"\\ now'])]}), encoding="utf-8")
    existing = _write(tmp_path / "k.toml", "# mine\n")
    proc = cli("baseline", "write", "--from", str(tmp_path), "--output", str(existing), timeout=60)
    assert proc.returncode == 2 and "exists" in proc.stderr and existing.read_text(encoding="utf-8") == "# mine\n"
    proc = cli("baseline", "write", "--from", str(good), "--output", "-", timeout=60)
    assert proc.returncode == 0
    assert baseline.parse(proc.stdout) == [baseline.Known("DR-013", 'say "hi"\\ now')]
