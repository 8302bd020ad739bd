"""The OpenAPI contract of the memberships route, checked by schemathesis (NRPS-016)."""

from __future__ import annotations

import pytest

from lti_harness.harness import contract
from lti_harness.harness.checks import check
from lti_harness.harness.session import HarnessSession
from lti_harness.suites.common import lti_token

from .conftest import GRANTED, NrpsSetup

OPERATIONS = contract.declare("NRPS-016", "platform", contract.area_operations("nrps"))
SCHEMA = contract.subset("platform", OPERATIONS)
CASES = contract.cases(OPERATIONS, negative=("GET",))  # the route reads limit, role and rlid: generated wrong ones too


def _area(session: HarnessSession, setup: NrpsSetup) -> contract.Area:
    """The course's memberships route with an LTI token of the tool's granted scopes (NRPS among them)."""
    if "nrps contract area" not in session.cache:
        assert session.platform is not None
        tokens: list[str] = []

        def token() -> str:
            if not tokens:
                tokens.append(lti_token(session, setup.lti, list(GRANTED)))
            return tokens[0]

        session.cache["nrps contract area"] = contract.Area(
            client=session.client, base_url=session.platform.base_url, schema=SCHEMA,
            credentials={"ltiAccessToken": token}, pinned={"course_id": setup.course_id},
        )
    return session.cache["nrps contract area"]


@check("NRPS-016")
@pytest.mark.parametrize("path,method,mode", CASES, ids=contract.case_ids(CASES))
def test_nrps_contract(platform, nrps, path, method, mode):
    contract.check_operation(_area(platform, nrps), path, method, mode)
