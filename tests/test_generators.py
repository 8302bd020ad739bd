"""Whatever generates inputs, generated valid instances must validate under the 2020-12 validator,
so a generator bug can never pass as a target's bug."""

from __future__ import annotations

from hypothesis import given, settings

from lti_harness.harness import openapi, schemas
from lti_harness.suites.bodies import registration_bodies


@settings(max_examples=60, deadline=None)
@given(body=openapi.body_strategy("/api/lti/registrations", "POST"))
def test_generated_registration_bodies_are_valid(body):
    assert schemas.errors("registration_request", body) == []


@settings(max_examples=300, deadline=None)
@given(body=registration_bodies())
def test_built_registration_bodies_are_valid(body):
    assert schemas.errors("registration_request", body) == []


def test_registration_bodies_are_built_once():
    assert registration_bodies() is registration_bodies()


@settings(max_examples=30, deadline=None)
@given(body=openapi.body_strategy("/api/lti/registrations", "POST", media_type="application/x-www-form-urlencoded"))
def test_generated_form_bodies_are_valid(body):
    assert schemas.errors("registration_request", body) == []


def test_bundled_openapi_has_no_external_refs():
    import json

    text = json.dumps(openapi.document("platform"))
    assert '"$ref": "../' not in text and '.json"' not in text.replace('"$id"', "")
