"""Two consecutive runs against one long-running mock tool give the same verdicts: every identifier the
harness invents on the tool is unique per run, the harness registers itself once per run for the launch
checks and deletes it afterwards, and what it created is listed in the report."""

from __future__ import annotations

from pathlib import Path

from lti_harness import mock_tool


def test_two_runs_against_the_same_tool_agree(tmp_path: Path, serve, run_harness):
    config = mock_tool.ToolConfig(dr_allowed=("http://127.0.0.1",))  # the operator's consent to DR with loopback platforms
    app = mock_tool.create_app(config)
    base = serve(app)
    profile = tmp_path / "tool.toml"
    profile.write_text(f'[tool]\nbase_url = "{base}/"\napi_key = "env:RERUN_TOOL_KEY"\ntimeout = 5\n'
                       f'dynamic_registration_url = "{base}/v1/platform/lti/dynamic-registration"\n', encoding="utf-8")
    args = ("--profile", str(profile), "--suite", "tool_side", "--suite", "tool_registrations", "--examples", "3", "--seed", "7", "--no-shrink")
    first = run_harness(*args, env={"RERUN_TOOL_KEY": config.api_key})
    second = run_harness(*args, env={"RERUN_TOOL_KEY": config.api_key})

    assert first.outcomes() == second.outcomes(), (first.outcomes(), second.outcomes())
    assert set(first.outcomes().values()) == {"passed"} and first.code == second.code == 0, first.stdout[-3000:]
    for run in (first, second):
        created = run.summary["created_on_target"]
        assert sum("dynamic registration" in c for c in created) == 1  # one initiation serves TOOL-001 … TOOL-003
        assert not [c for c in created if "not deleted" in c], created
    # every launch check of a run used the one registration; TREG-013 makes (and deletes) its own; TOOL-044 launches
    # through the registration the run's dynamic registration made (and the tool read every NRPS page there)
    assert len({launch["registration"] for launch in app.state.launches}) == 2 * 3
    read = [launch["nrps"] for launch in app.state.launches if "nrps" in launch]
    assert read == [{"pages": 3, "members": 8, "error": ""}] * 2, read
    # what is left on the tool: the registration each run's dynamic registration made, nothing of the harness's own
    left = list(app.state.registrations.items.values())
    assert len(left) == 2 and all(r["name"].startswith("Dynamic registration") for r in left), [r["name"] for r in left]
