"""How ``lti-harness run -n N`` hands tests to its processes (pytest-xdist's ``--dist loadgroup``): all
tests of one suite go to one process, since suites switch account-wide state (feature flags, developer
keys) that their own checks must not see switched by a sibling in another process.

pytest-xdist marks a test's group by appending ``@group`` to its id, which pytest 9.2 no longer lets it
do (a node's id became read-only), so its own scheduler would treat every test as a unit of its own.
This one reads the group from the id where pytest-xdist could add it, else from where the test lives."""

from __future__ import annotations

import re

from xdist.scheduler import LoadGroupScheduling

SUITE = re.compile(r"(?:^|/)suites/([A-Za-z0-9_]+)/[^/]+\.py$")


def scope(nodeid: str) -> str:
    """The work unit of the test ``nodeid``: its ``xdist_group`` when the id carries it, else
    ``suite:<name>`` for a test in a harness suite's folder, else the test alone."""
    if nodeid.rfind("@") > nodeid.rfind("]"):  # an "@" inside the parameters is not a group
        return nodeid.rsplit("@", 1)[-1]
    found = SUITE.search(nodeid.split("::", 1)[0])
    return f"suite:{found.group(1)}" if found else nodeid


class SuiteScheduling(LoadGroupScheduling):
    """pytest-xdist's ``loadgroup`` scheduling with :func:`scope` as the grouping."""

    def _split_scope(self, nodeid: str) -> str:
        return scope(nodeid)
