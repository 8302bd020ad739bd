"""The source documents ship with the package, and every citation can be opened: each document a check's
``source`` names is in the package, each numbered section it cites is a heading (or numbered item) of that
document, and ``lti-harness checks`` and ``summary.json`` say where they are."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import cli
from lti_harness.harness import results, sources
from lti_harness.harness.checks import load_all
from lti_harness.reports import summary

ROOT = Path(__file__).resolve().parents[1]
CHECKS = load_all()
SEEDS = sorted(p.name for p in (ROOT / "sources" / "seeds").glob("*.txt"))
# What a check may cite instead of a packaged document: a public specification or RFC, or Canvas's source.
PUBLIC = re.compile(r"\bRFC \d{4}\b|OpenID Connect|Deep Linking 2\.0|LTI Deep Linking|https://|Canvas's ")
SILENT = re.compile(r"\bdocuments are silent\b")


def test_the_package_holds_the_fact_sheets_and_every_seed_of_the_index():
    docs = sources.documents()
    assert set(sources.FACT_SHEETS) <= set(docs)
    index = (sources.sources_dir() / "seeds" / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| (\d{3}_[0-9a-f]+\.txt) \|", index, re.M))
    assert len(listed) == 5 and listed == set(SEEDS) and listed <= set(docs)
    assert sources.sources_dir().resolve() == (ROOT / "sources").resolve()  # the checkout's copies are the package's
    readme = (ROOT / "sources" / "README.md").read_text(encoding="utf-8")
    assert all(name in readme for name in sources.FACT_SHEETS) and "seeds/README.md" in readme


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_every_cited_document_and_section_exists(check):
    cited = sources.cite(check.source)
    absent = [c.document for c in cited if c.path is None]
    assert not absent, f"{check.id} cites {absent}, which the package does not hold: {check.source}"
    missing = {c.document: c.missing for c in cited if c.missing}
    assert not missing, f"{check.id} cites sections with no heading in the document: {missing}"
    schemas = [name for name in re.findall(r"\bschemas/[\w/.-]+\.json\b", check.source) if not (ROOT / name).is_file()]
    assert not schemas, f"{check.id} cites schema files the repository does not hold: {schemas}"
    if not cited:  # no document of ours: the source must name a public one, or say that the documents are silent
        assert PUBLIC.search(check.source) or (SILENT.search(check.source) and check.level == "recommended"), (
            f"{check.id} cites no document of the package and no public source: {check.source}")


def test_schema_descriptions_cite_sections_that_exist():
    """A schema's description that cites a fact sheet or seed cites sections the document has."""
    def descriptions(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from [value] if key == "description" and isinstance(value, str) else descriptions(value)
        elif isinstance(node, list):
            for value in node:
                yield from descriptions(value)

    seen = 0
    for path in sorted((ROOT / "schemas").rglob("*.json")):
        for text in descriptions(json.loads(path.read_text(encoding="utf-8"))):
            for c in sources.cite(text):
                if c.path is not None:
                    seen += 1
                    assert not c.missing, f"{path.name}: {c.document} has no section {c.missing}: {text[:200]}"
    assert seen > 20


@pytest.mark.parametrize(("text", "expected"), [
    # sections after the name belong to it, across a parenthesis and after "and"; a range gives both ends
    ('ims-facts.md §2 (AGS 2.0) §2.4 "Create" and §1.1–1.3', {"ims-facts.md": ["§2", "§2.4", "§1.1", "§1.3"]}),
    # a § inside a parenthesis or in a clause that starts with another reference is not the document's
    ("ims-facts.md §3.4 (Security Framework §5.1.3) step 1; RFC 7523 §3", {"ims-facts.md": ["§3.4"]}),
    # "; §2.5" continues the document; the seed's short forms name its file
    ("ims-facts.md §4 (NRPS); §2.5 (paging); seed 001; 003_…", {"ims-facts.md": ["§4", "§2.5"], SEEDS[1]: [], SEEDS[3]: []}),
    # §0.1: the first numbered item of section 0, which has no heading 0.1
    ("ims-facts.md §0.1", {"ims-facts.md": ["§0.1"]}),
])
def test_cite_attributes_sections_to_their_document(text, expected):
    cited = sources.cite(text)
    assert {c.document: [s.ref for s in c.sections if s.ref.startswith("§")] for c in cited} == expected
    assert all(c.path is not None and c.path.is_file() and not c.missing for c in cited)


def test_cite_finds_lines_and_reports_what_is_absent():
    [seed] = sources.cite('003_7b3da58a284c44ed.txt, "Common Error Codes"')
    lines = seed.path.read_text(encoding="utf-8").splitlines()
    [where] = seed.sections
    assert lines[where.line - 1].strip() == "Common Error Codes" == where.heading
    [sheet] = sources.cite("canvas-facts.md §1c")
    assert sheet.path.read_text(encoding="utf-8").splitlines()[sheet.sections[0].line - 1].startswith("### 1c.")
    absent, wrong = sources.cite("nowhere.md; canvas-facts.md §99")
    assert absent.path is None and absent.to_dict()["package_path"] == "" and "not in the package" in sources.describe("nowhere.md")
    assert wrong.missing == ("§99",) and wrong.sections == ()
    assert sources.cite("RFC 6749 §5.2; Canvas's app/models/lti/overlay.rb") == []


def test_checks_command_shows_where_the_documents_are():
    listing = json.loads(cli("checks", "--format", "json").stdout)
    by_id = {item["id"]: item for item in listing}
    assert set(by_id) == {c.id for c in CHECKS}
    for item in listing:
        for doc in item["documents"]:
            assert Path(doc["path"]).is_file() and doc["package_path"].startswith("lti_harness/sources/")
            text = Path(doc["path"]).read_text(encoding="utf-8").splitlines()
            assert all(1 <= s["line"] <= len(text) for s in doc["sections"])
    cited = next(c for c in CHECKS if any(d.sections for d in sources.cite(c.source)))
    table = cli("checks", "--suite", cited.suite).stdout
    first = sources.cite(cited.source)[0]
    assert f"{first.relative}:{first.sections[0].line}" in table if first.sections else first.relative in table
    assert re.search(r"^\s+where:\s+\S", table, re.M) and str(sources.sources_dir()) in table


def test_summary_json_carries_the_documents_of_each_check():
    check = next(c for c in CHECKS if c.id == "DR-010")
    result = results.CheckResult(check=check)
    result.add(results.PASSED, "t")
    doc = summary.build([result], target="mock", seed=1, strict=False, duration_s=0.1, unlinked_failures=[])
    [item] = doc["checks"]
    assert [d["document"] for d in item["documents"]] == [c.document for c in sources.cite(check.source)]
    assert all("path" not in d and d["package_path"].startswith("lti_harness/sources/") for d in item["documents"])
