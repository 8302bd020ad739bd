"""Checks of the tool-side suite: the tool accepts a valid launch and refuses forged ones."""

from harness.checks import define

IMS = "ims-facts.md §3.3 (OIDC third-party login) and §3.4 (id_token claims and validation)"
S = "tool_side"
LOGIN = "login-without-nonce"


def tool(id: str, title: str, source: str, faults: list[str], description: str = "") -> None:
    define(id, title, source=source, level="required", faults=[*faults, LOGIN], suite=S, description=description)


tool("TOOL-010", "A valid launch (login initiation, then a signed id_token with the tool's nonce) is accepted", IMS, [],
     description="The harness acts as the platform: it registers itself through the tool's registrations API (seed 001), "
     "serves its JWKS on loopback (or at [harness] public_url) and launches.")
tool("TOOL-011", "An id_token signed by another key is refused", f"{IMS} (signature against the platform JWKS)", ["accepts-forged-id-token"])
tool("TOOL-012", "An id_token for another client id (aud) is refused", f"{IMS} (aud contains the client id)", ["aud-not-checked"])
tool("TOOL-013", "An expired id_token is refused", f"{IMS} (exp)", ["exp-not-checked"])
tool("TOOL-014", "A replayed launch (the same state, nonce and id_token posted again) is refused", f"{IMS} (nonce used once)", ["nonce-reuse-accepted"])
tool("TOOL-015", "An id_token for an unknown deployment is refused", f"{IMS} (deployment_id claim)", ["deployment-not-checked"])
tool("TOOL-016", "An id_token whose LTI version is not 1.3.0 is refused", f"{IMS} (version claim)", ["version-not-checked"])
