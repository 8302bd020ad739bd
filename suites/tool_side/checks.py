"""Checks of the tool-side suite: the tool accepts a valid launch and refuses forged ones."""

from harness.checks import define

IMS = "ims-facts.md §3.3 (OIDC third-party login) and §3.4 (id_token claims and validation)"
S = "tool_side"
LOGIN = "login-without-nonce"


def tool(id: str, title: str, source: str, faults: list[str], description: str = "") -> None:
    paired = [*faults, LOGIN] if id >= "TOOL-010" else faults
    define(id, title, source=source, level="required", faults=paired, suite=S, description=description)


tool("TOOL-010", "A valid launch (login initiation, then a signed id_token with the tool's nonce) is accepted", IMS, [],
     description="The harness acts as the platform. With [tool.launch] in the profile it uses the registration configured "
     "in the tool beforehand (issuer, client id, deployment, the public half of the profile's private_key); otherwise it "
     "registers itself through the tool's registrations API (seed 001), serves its JWKS on loopback (or at [harness] "
     "public_url) and launches. Login initiation (GET with iss, login_hint, target_link_uri, client_id, "
     "lti_deployment_id) must redirect to the platform's authorization endpoint with state, nonce and redirect_uri.")
tool("TOOL-011", "An id_token signed by another key is refused", f"{IMS} (signature against the platform JWKS)", ["accepts-forged-id-token"])
tool("TOOL-012", "An id_token for another client id (aud) is refused", f"{IMS} (aud contains the client id)", ["aud-not-checked"])
tool("TOOL-013", "An expired id_token is refused", f"{IMS} (exp)", ["exp-not-checked"])
tool("TOOL-014", "A replayed launch (the same state, nonce and id_token posted again) is refused", f"{IMS} (nonce used once)", ["nonce-reuse-accepted"],
     description="The replay is posted by the same client with the same cookies, as an attacker holding the browser's "
     "form post and session would; a tool that keeps the nonce in the session and never marks it used accepts it.")
tool("TOOL-015", "An id_token for an unknown deployment is refused", f"{IMS} (deployment_id claim)", ["deployment-not-checked"])
tool("TOOL-016", "An id_token whose LTI version is not 1.3.0 is refused", f"{IMS} (version claim)", ["version-not-checked"])

DR = "ims-facts.md §1 (Dynamic Registration: initiation, registration request, closing the flow)"
tool("TOOL-001", "On dynamic-registration initiation the tool fetches the OpenID configuration and posts a registration that validates against the registration schema",
     f"{DR}; 002_dbbfc42e48a9805e.txt (the registration body)", ["registration-missing-jwks-uri"],
     description="The harness starts a mock platform of its own as the counterpart, issues a registration token, opens the "
     "tool's initiation URL ([tool] dynamic_registration_url) and reads what the platform recorded.")
tool("TOOL-002", "The tool sends the registration token as bearer when it posts its registration", f"{DR} §1.3", ["registration-token-not-sent"])
tool("TOOL-003", "The tool's page ends the flow by posting {subject: \"org.imsglobal.lti.close\"} to the window that opened it", f"{DR} §1.6", ["no-close-message"])
