"""Decode Rails-style bracket form bodies (``a[b][]=1``), as Canvas receives form-encoded registrations.

Limits, checked before anything is built: at most ``MAX_FIELDS`` fields and ``MAX_DEPTH`` bracket
segments per field name (a deeper or longer form raises :class:`FormError`, answered 400)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_SEGMENTS = re.compile(r"\[([^\[\]]*)\]")
MAX_DEPTH = 32  # bracket segments in one field name (Rack's default param depth limit is of this order)
MAX_FIELDS = 1000


class FormError(ValueError):
    pass


def _split(key: str) -> list[str]:
    head, bracket, rest = key.partition("[")
    if not bracket:
        return [key]
    rest = "[" + rest
    if rest.count("[") > MAX_DEPTH:
        raise FormError(f"a form field name nests deeper than {MAX_DEPTH} brackets")
    segments = _SEGMENTS.findall(rest)
    if "".join(f"[{s}]" for s in segments) != rest:
        raise FormError(f"malformed form field name {key!r}")
    return [head, *segments]


def _assign(container: Any, segments: list[str], value: str) -> None:
    name, rest = segments[0], segments[1:]
    if name == "" and not isinstance(container, list):
        raise FormError("a form field has an empty name")
    if not rest:
        if isinstance(container, list):
            container.append(value)
        elif isinstance(container.get(name), (dict, list)):
            raise FormError(f"form field {name!r} is used both as a value and as an object or list")
        else:
            container[name] = value
        return
    nxt = rest[0]
    if isinstance(container, list):
        # "a[][b]=..": start a new hash when the last one already has this key (Rails' rule)
        if nxt == "":
            raise FormError("nested lists in form fields are not supported")
        if not container or not isinstance(container[-1], dict) or _has_path(container[-1], rest):
            container.append({})
        _assign(container[-1], rest, value)
        return
    child = container.get(name)
    if child is None:
        child = [] if nxt == "" else {}
        container[name] = child
    if not isinstance(child, (dict, list)) or (nxt == "") != isinstance(child, list):
        raise FormError(f"form field {name!r} is used both as a list, an object or a value")
    _assign(child, rest, value)


def _has_path(obj: dict[str, Any], segments: list[str]) -> bool:
    head = segments[0]
    if head not in obj:
        return False
    if len(segments) == 1 or segments[1] == "":
        return len(segments) == 1
    child = obj[head]
    return isinstance(child, dict) and _has_path(child, segments[1:])


def decode(body: str) -> dict[str, Any]:
    """Decode a form body into nested dicts and lists (all leaf values are strings)."""
    out: dict[str, Any] = {}
    if body.count("&") >= MAX_FIELDS:
        raise FormError(f"the form has more than {MAX_FIELDS} fields")
    for key, value in parse_qsl(body, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS):
        _assign(out, _split(key), value)
    return out


def parse_qsl_flat(body: str) -> list[tuple[str, str]]:
    """Plain ``key=value`` pairs of a form body (last one wins when turned into a dict); more than
    ``MAX_FIELDS`` raise :class:`FormError`."""
    try:
        return parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError as exc:
        raise FormError(f"the form has more than {MAX_FIELDS} fields") from exc
