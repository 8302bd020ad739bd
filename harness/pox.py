"""LTI 1.1 Basic Outcomes: the POX (Plain Old XML) envelopes, built and checked.

The request and response envelopes follow the LTI 1.1 outcomes service (``imsx_POXEnvelopeRequest``
/ ``imsx_POXEnvelopeResponse``, namespace ``http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0``)
with Canvas's extensions (seed 003, "LTI 1.1 Grade Passback Tools": resultData, resultTotalScore,
submissionDetails with submittedAt, prioritizeNonToolGrade and needsAdditionalReview). Parsing is
done with defusedxml, which refuses any DTD, entity or external reference in whatever encoding the
document declares (UTF-16 included), and bodies over ``MAX_XML`` bytes.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import defusedxml
from defusedxml import ElementTree as SafeET

NS = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"
OPERATIONS = ("replaceResultRequest", "readResultRequest", "deleteResultRequest")
CODE_MAJORS = ("success", "processing", "failure", "unsupported")
MAX_XML = 256 * 1024


class PoxError(ValueError):
    """The XML is not a well-formed POX envelope of the expected kind; the message says where."""


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def parse(text: str | bytes, root: str) -> ET.Element:
    """Parse a POX document whose root element is ``root`` (refusing DTDs, entities and huge bodies)."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > MAX_XML:
        raise PoxError("the XML body is too large")
    try:
        element = SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise PoxError("DTDs and entities are not allowed") from None
    except ET.ParseError as exc:
        raise PoxError(f"not well-formed XML: {exc}") from None
    except ValueError as exc:  # e.g. an encoding the parser cannot read
        raise PoxError(f"the XML cannot be read: {exc}") from None
    if element.tag not in (_q(root), root):
        raise PoxError(f"the root element is {element.tag!r}, expected {root}")
    return element


def find(element: ET.Element, *path: str) -> ET.Element | None:
    """The child at ``path`` (namespaced or not)."""
    node: ET.Element | None = element
    for name in path:
        if node is None:
            return None
        node = node.find(_q(name)) if node.find(_q(name)) is not None else node.find(name)
    return node


def text(element: ET.Element, *path: str) -> str | None:
    node = find(element, *path)
    return node.text.strip() if node is not None and node.text is not None else None


@dataclass
class OutcomeRequest:
    """What a tool asks: the operation, the sourcedId and, for replaceResult, the score and extensions."""

    operation: str
    sourced_id: str
    message_id: str = ""
    score: str | None = None
    total_score: str | None = None
    result_data: dict[str, str] = field(default_factory=dict)  # text | url | ltiLaunchUrl
    submitted_at: str | None = None
    prioritize_non_tool_grade: bool = False
    needs_additional_review: bool = False


def parse_request(body: str | bytes) -> OutcomeRequest:
    """An ``imsx_POXEnvelopeRequest`` as an :class:`OutcomeRequest` (``PoxError`` names what is wrong)."""
    root = parse(body, "imsx_POXEnvelopeRequest")
    pox_body = find(root, "imsx_POXBody")
    if pox_body is None or len(pox_body) != 1:
        raise PoxError("imsx_POXBody must hold exactly one request element")
    request = pox_body[0]
    operation = request.tag.split("}", 1)[-1]
    message_id = text(root, "imsx_POXHeader", "imsx_POXRequestHeaderInfo", "imsx_messageIdentifier") or ""
    sourced = text(request, "resultRecord", "sourcedGUID", "sourcedId")
    if operation in OPERATIONS and not sourced:
        raise PoxError(f"{operation} has no resultRecord/sourcedGUID/sourcedId")
    out = OutcomeRequest(operation=operation, sourced_id=sourced or "", message_id=message_id)
    if operation == "replaceResultRequest":
        out.score = text(request, "resultRecord", "result", "resultScore", "textString")
        out.total_score = text(request, "resultRecord", "result", "resultTotalScore", "textString")
        data = find(request, "resultRecord", "result", "resultData")
        if data is not None:
            for child in data:
                out.result_data[child.tag.split("}", 1)[-1]] = (child.text or "").strip()
        details = find(request, "submissionDetails")
        if details is not None:
            out.submitted_at = text(details, "submittedAt")
            out.prioritize_non_tool_grade = find(details, "prioritizeNonToolGrade") is not None
            out.needs_additional_review = find(details, "needsAdditionalReview") is not None
    return out


def request_xml(operation: str, sourced_id: str, *, score: str | None = None, total_score: str | None = None,
                result_data: dict[str, str] | None = None, submission_details: dict[str, str | None] | None = None) -> str:
    """An ``imsx_POXEnvelopeRequest`` for ``operation`` (e.g. ``replaceResultRequest``)."""
    result = ""
    if score is not None:
        result += f"<resultScore><language>en</language><textString>{escape(score)}</textString></resultScore>"
    if total_score is not None:
        result += f"<resultTotalScore><language>en</language><textString>{escape(total_score)}</textString></resultTotalScore>"
    if result_data:
        result += "<resultData>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in result_data.items()) + "</resultData>"
    details = ""
    if submission_details:
        details = "<submissionDetails>" + "".join(f"<{k}>{escape(v)}</{k}>" if v is not None else f"<{k}/>" for k, v in submission_details.items()) + "</submissionDetails>"
    record = f"<resultRecord><sourcedGUID><sourcedId>{escape(sourced_id)}</sourcedId></sourcedGUID>{f'<result>{result}</result>' if result else ''}</resultRecord>"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeRequest xmlns="{NS}"><imsx_POXHeader><imsx_POXRequestHeaderInfo>'
        f"<imsx_version>V1.0</imsx_version><imsx_messageIdentifier>{uuid.uuid4().hex}</imsx_messageIdentifier>"
        f"</imsx_POXRequestHeaderInfo></imsx_POXHeader><imsx_POXBody><{operation}>{record}{details}</{operation}></imsx_POXBody></imsx_POXEnvelopeRequest>"
    )


@dataclass
class OutcomeResponse:
    code_major: str
    description: str
    operation: str
    message_ref: str
    score: str | None = None


def response_xml(code_major: str, description: str, operation: str, message_ref: str, *, score: str | None = None) -> str:
    """An ``imsx_POXEnvelopeResponse`` answering ``operation``."""
    response_name = operation.replace("Request", "Response") if operation.endswith("Request") else f"{operation}Response"
    body = ""
    if operation == "readResultRequest" and code_major == "success":
        body = f"<result><resultScore><language>en</language><textString>{escape(score or '')}</textString></resultScore></result>"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeResponse xmlns="{NS}"><imsx_POXHeader><imsx_POXResponseHeaderInfo>'
        f"<imsx_version>V1.0</imsx_version><imsx_messageIdentifier>{uuid.uuid4().hex}</imsx_messageIdentifier><imsx_statusInfo>"
        f"<imsx_codeMajor>{code_major}</imsx_codeMajor><imsx_severity>{'status' if code_major == 'success' else 'error'}</imsx_severity>"
        f"<imsx_description>{escape(description)}</imsx_description><imsx_messageRefIdentifier>{escape(message_ref)}</imsx_messageRefIdentifier>"
        f"<imsx_operationRefIdentifier>{escape(operation.replace('Request', ''))}</imsx_operationRefIdentifier></imsx_statusInfo>"
        f"</imsx_POXResponseHeaderInfo></imsx_POXHeader><imsx_POXBody><{response_name}>{body}</{response_name}></imsx_POXBody></imsx_POXEnvelopeResponse>"
    )


def parse_response(body: str | bytes) -> OutcomeResponse:
    """Check an ``imsx_POXEnvelopeResponse``: status info with a known ``imsx_codeMajor``, one body element."""
    root = parse(body, "imsx_POXEnvelopeResponse")
    info = ("imsx_POXHeader", "imsx_POXResponseHeaderInfo", "imsx_statusInfo")
    code = text(root, *info, "imsx_codeMajor")
    if code not in CODE_MAJORS:
        raise PoxError(f"imsx_codeMajor is {code!r}, expected one of {', '.join(CODE_MAJORS)}")
    pox_body = find(root, "imsx_POXBody")
    if pox_body is None or len(pox_body) != 1:
        raise PoxError("imsx_POXBody must hold exactly one response element")
    return OutcomeResponse(
        code_major=code,
        description=text(root, *info, "imsx_description") or "",
        operation=text(root, *info, "imsx_operationRefIdentifier") or "",
        message_ref=text(root, *info, "imsx_messageRefIdentifier") or "",
        score=text(pox_body[0], "result", "resultScore", "textString"),
    )
