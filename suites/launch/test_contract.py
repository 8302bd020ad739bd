"""The OpenAPI contract of the launch routes, checked by schemathesis (LAUNCH-018): the OIDC authorization
endpoint (and its redirecting front) with generated query parameters and form bodies, and Canvas's
sessionless launch in the harness's course."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from lti_harness.harness import contract
from lti_harness.harness.checks import check
from lti_harness.harness.session import HarnessSession

from .conftest import LaunchSetup

OPERATIONS = contract.declare("LAUNCH-018", "platform", contract.area_operations("launch"))
SCHEMA = contract.subset("platform", OPERATIONS)
AUTHORIZE = "/api/lti/authorize"
# Negative data for the authorization endpoint's form, which it reads (its redirecting front only passes it on).
CASES = [c for c in contract.cases(OPERATIONS, negative=("POST",)) if c[2].value == "positive" or c[0] == AUTHORIZE]


def _area(session: HarnessSession, setup: LaunchSetup) -> contract.Area:
    """The launch routes: the authorization endpoint without credentials or a browser session (no generated
    request can get an id_token); the sessionless launch with the admin's token, naming the installed tool
    and a student on one example in three (a one-time URL the run never opens)."""
    if "launch contract area" not in session.cache:
        target = session.platform
        assert target is not None
        turn = itertools.count()

        def prepare(case: Any) -> None:
            if case.path.endswith("sessionless_launch") and next(turn) % 3 == 0:
                case.query = {**(case.query or {}), "id": setup.tool_id, "as_user_id": setup.student}
                case.query.pop("assignment_id", None)
                case.query.pop("launch_type", None)

        session.cache["launch contract area"] = contract.Area(
            client=session.client, base_url=target.base_url, schema=SCHEMA,
            credentials={"adminBearer": lambda: target.admin_token}, pinned={"course_id": setup.course_id}, prepare=prepare,
        )
    return session.cache["launch contract area"]


@check("LAUNCH-018")
@pytest.mark.parametrize("path,method,mode", CASES, ids=contract.case_ids(CASES))
def test_launch_contract(platform, launches, path, method, mode):
    contract.check_operation(_area(platform, launches), path, method, mode)
