"""LTI 1.3 vocabulary shared by the harness and both mocks: claim and scope URIs, media types, roles,
and two small helpers. Words only: no behaviour of either side lives here (ims-facts.md §1–§3)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# claims (ims-facts.md §1 Dynamic Registration, §3 Core)
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
LTI_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"

# scopes (ims-facts.md §1, §2)
AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
LINEITEM_SCOPE = AGS_SCOPE + "lineitem"
LINEITEM_READONLY_SCOPE = AGS_SCOPE + "lineitem.readonly"
RESULT_READONLY_SCOPE = AGS_SCOPE + "result.readonly"
SCORE_SCOPE = AGS_SCOPE + "score"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
REG_SCOPE = "https://purl.imsglobal.org/spec/lti-reg/scope/registration"
REG_READ_SCOPE = "https://purl.imsglobal.org/spec/lti-reg/scope/registration.readonly"

# AGS media types (ims-facts.md §2.2)
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"

# LIS roles (ims-facts.md §3)
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def is_loopback(url: str) -> bool:
    """Whether ``url``'s host is ``localhost`` or a loopback address."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def to_sentence(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (as Rails's ``to_sentence`` words Canvas's messages)."""
    return "".join(items) if len(items) <= 1 else ", ".join(items[:-1]) + " and " + items[-1]
