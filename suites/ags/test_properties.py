"""Hypothesis properties of scores (AGS-040, AGS-041): timestamps order the results; score bodies
get the documented answers and never a 5xx."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import example, given
from hypothesis import strategies as st

from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body

from .conftest import score
from .test_scores import ratio, result_for

ACTIVITY = ["Initialized", "Started", "InProgress", "Submitted", "Completed"]
GRADING = ["FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@check("AGS-040")
@given(offsets=st.lists(st.integers(min_value=-5_000, max_value=5_000), min_size=2, max_size=6))
@example(offsets=[1_000, -1_000, 2_000])
def test_newest_accepted_score_wins(course, offsets):
    item = course.create_item("Timestamp order")
    student = course.students[0]
    base = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    last: datetime | None = None
    newest: float | None = None
    for n, offset in enumerate(offsets, 1):
        moment = base + timedelta(milliseconds=offset)
        raw = iso(moment)
        response = course.post_score(item["id"], score(student, n, 10, timestamp=raw))
        assert response.status_code < 500, f"a score answered {response.status_code}"
        if last is not None and moment < last:
            assert response.status_code == 400, f"a score stamped {raw}, before the accepted {iso(last)}, answered {response.status_code}"
            message = (json_body(response).get("errors") or {}).get("message", "")
            assert message.startswith(f"Provided timestamp of {raw} before last updated timestamp of "), f"unexpected message {message!r}"
        else:
            assert response.status_code == 200, f"a score stamped {raw}, not before the last accepted one, answered {response.status_code}: {response.text[:200]}"
            last, newest = moment, n / 10
    result = result_for(course, item["id"], student)
    assert result is not None and ratio(result) == newest, f"the result is {result!r}, expected the newest accepted score {newest}"


SCORE_BODIES = st.fixed_dictionaries(
    {"activityProgress": st.sampled_from(ACTIVITY), "gradingProgress": st.sampled_from(GRADING)},
    optional={
        "scoreGiven": st.none() | st.floats(min_value=0, max_value=1000, allow_nan=False),
        "scoreMaximum": st.none() | st.floats(min_value=-100, max_value=1000, allow_nan=False),
        "comment": st.text(max_size=40),
    },
)


@check("AGS-041")
@given(body=SCORE_BODIES)
@example(body={"activityProgress": "Completed", "gradingProgress": "FullyGraded", "scoreGiven": 3.0})
@example(body={"activityProgress": "Completed", "gradingProgress": "FullyGraded", "scoreGiven": 3.0, "scoreMaximum": -1.0})
@example(body={"activityProgress": "Submitted", "gradingProgress": "FullyGraded", "scoreGiven": 6.0, "scoreMaximum": 12.0})
def test_score_bodies(course, body):
    item = course.create_item("Generated scores")
    student = course.students[1]
    sent = {**score(student, None, None), **body}
    response = course.post_score(item["id"], sent)
    assert response.status_code < 500, f"a score body answered {response.status_code}: {sent!r}"
    counted = body["gradingProgress"] in ("FullyGraded", "PendingManual") and body.get("scoreGiven") is not None
    maximum = body.get("scoreMaximum")
    if counted and maximum is None:
        assert response.status_code in (422, 412), f"scoreGiven without scoreMaximum answered {response.status_code}"
    elif counted and maximum < 0:
        assert response.status_code == 422, f"a negative scoreMaximum answered {response.status_code}"
    else:
        assert response.status_code == 200, f"a valid score answered {response.status_code}: {response.text[:200]}"
        if counted and maximum > 0:
            result = result_for(course, item["id"], student)
            assert result is not None and abs(ratio(result) - body["scoreGiven"] / maximum) < 1e-6, f"the result {result!r} does not reflect {body!r}"
