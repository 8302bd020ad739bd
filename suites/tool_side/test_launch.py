"""Launch validation by the tool (TOOL-010 … TOOL-016)."""

from __future__ import annotations

import time

from harness import keys
from harness.checks import check
from harness.launch import LTI, post_id_token

from .conftest import assert_accepted, assert_refused


@check("TOOL-010")
def test_valid_launch_accepted(registered):
    assert_accepted(registered.launch(), "a valid launch")


@check("TOOL-011")
def test_forged_signature_refused(registered):
    assert_accepted(registered.launch(), "a valid launch (control)")
    impostor = keys.generate(kid=registered.ident.key.kid)
    assert_refused(registered.launch(signer=impostor), "an id_token signed by another key under the platform's kid")


@check("TOOL-012")
def test_wrong_audience_refused(registered):
    assert_accepted(registered.launch(), "a valid launch (control)")
    assert_refused(registered.launch(tamper=lambda c: c.update(aud="another-client-id")), "an id_token for another client id")


@check("TOOL-013")
def test_expired_refused(registered):
    assert_accepted(registered.launch(), "a valid launch (control)")
    now = int(time.time())
    assert_refused(registered.launch(tamper=lambda c: c.update(iat=now - 600, exp=now - 300)), "an id_token that expired 5 minutes ago")


@check("TOOL-014")
def test_replay_refused(registered):
    first = registered.launch()
    assert_accepted(first, "a valid launch")
    assert first.response is not None
    again = post_id_token(registered.session.client, first.redirect_uri, first.id_token, first.state)
    assert 400 <= again.status_code < 500, f"posting the same launch again answered {again.status_code}, expected a 4xx refusal"


@check("TOOL-015")
def test_unknown_deployment_refused(registered):
    assert_accepted(registered.launch(), "a valid launch (control)")
    assert_refused(registered.launch(tamper=lambda c: c.update({LTI + "deployment_id": "not-a-deployment"})), "an id_token for an unknown deployment")


@check("TOOL-016")
def test_wrong_version_refused(registered):
    assert_accepted(registered.launch(), "a valid launch (control)")
    assert_refused(registered.launch(tamper=lambda c: c.update({LTI + "version": "1.1"})), "an id_token with LTI version 1.1")
