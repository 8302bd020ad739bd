"""The OpenAPI contract of the deep-linking return, checked by schemathesis (DL-011): generated data
parameters and form bodies posted to the course's deep_link_return_url."""

from __future__ import annotations

import pytest

from lti_harness.harness import contract
from lti_harness.harness.checks import check
from lti_harness.harness.session import HarnessSession

from .conftest import DeepLinking

OPERATIONS = contract.declare("DL-011", "platform", contract.area_operations("deep_linking"))
SCHEMA = contract.subset("platform", OPERATIONS)
CASES = contract.cases(OPERATIONS, negative=("POST",))  # bodies without the JWT field, or of other shapes, too


def _area(session: HarnessSession, links: DeepLinking) -> contract.Area:
    """The return route in the harness's course, without credentials or a browser session: no generated body
    is a valid response, so nothing is created."""
    if "dl contract area" not in session.cache:
        assert session.platform is not None
        session.cache["dl contract area"] = contract.Area(
            client=session.client, base_url=session.platform.base_url, schema=SCHEMA, pinned={"course_id": links.launches.course_id},
        )
    return session.cache["dl contract area"]


@check("DL-011")
@pytest.mark.parametrize("path,method,mode", CASES, ids=contract.case_ids(CASES))
def test_deep_linking_contract(platform, deep_links, path, method, mode):
    contract.check_operation(_area(platform, deep_links), path, method, mode)
