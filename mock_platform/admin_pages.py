"""The mock platform's admin pages (``/admin``): what a Canvas account admin does in the browser, as
plain server-rendered HTML — sign in with the admin token, review the account's registrations, read a
tool's pending update request side by side with the current configuration and accept it (restricting
scopes, disabling placements, renaming: seed 000's overlay choices) or ignore it, turn developer keys
and their bindings on and off, and issue a registration token for a tool vendor.

Every decision goes through the code the admin API uses (``registrations_admin.decide``,
``dynreg.issue_token``), so a page's result is the API's, flags and faults included. State changes are
POST forms carrying the session's CSRF token (:mod:`admin_sessions`); without it the answer is 403 and
nothing changes. The admin token is never written into a page or a URL.
"""

from __future__ import annotations

import html
import json
import secrets
from typing import Any, Iterable
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from . import admin_diff, admin_sessions, devkeys, dynreg, registrations_admin, updates, web
from .admin_sessions import AdminSession
from .config import Platform
from .store import DeveloperKey, Registration, UpdateRequest

HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
MAX_FORM_FIELDS = 1000
MARK = {admin_diff.ADDED: "+", admin_diff.REMOVED: "\u2212", admin_diff.CHANGED: "\u00b1", admin_diff.UNCHANGED: ""}
STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:75rem;padding:0 1rem;line-height:1.45;color:#1a1a1a;background:#fff}
nav{border-bottom:1px solid #999;padding-bottom:.5rem;margin-bottom:1rem}
nav a{margin-right:1.2rem}
nav form{display:inline}
table{border-collapse:collapse;margin:.5rem 0 1.2rem}
th,td{border:1px solid #888;padding:.3rem .6rem;text-align:left;vertical-align:top}
thead th{background:#e8e8e8}
code,.mono{font-family:ui-monospace,monospace;overflow-wrap:anywhere}
.diff td{width:40%}
.diff td.what{width:auto}
tr.added td.side-requested,span.add{background:#d7f5dd}
tr.removed td.side-current,span.del{background:#fbdcdc}
tr.changed td.side-current{background:#fbdcdc}
tr.changed td.side-requested{background:#d7f5dd}
.mark{font-weight:bold;font-family:ui-monospace,monospace}
.notice{border:2px solid #1a7f37;padding:.5rem 1rem}
.problem{border:2px solid #b42318;padding:.5rem 1rem}
fieldset{margin:.8rem 0;padding:.5rem 1rem}
label{display:inline-block;margin:.15rem 0}
input[type=text],textarea{width:min(40rem,100%)}
button{margin-right:.8rem;padding:.3rem .9rem}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _page(request: Request, title: str, body: str, session: AdminSession | None = None, status: int = 200) -> HTMLResponse:
    """A whole page: the navigation (when signed in), a heading and the body."""
    nav = ""
    if session is not None and session.signed_in:
        nav = (
            '<nav aria-label="Admin pages"><a href="/admin">Index</a><a href="/admin/registrations">Registrations</a>'
            '<a href="/admin/developer_keys">Developer keys</a><a href="/admin/registration_token">Registration token</a>'
            + _form("/admin/logout", session, "", '<button type="submit">Sign out</button>') + "</nav>"
        )
    doc = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} — Mock Canvas admin</title><style>{STYLE}</style></head>"
        f"<body>{nav}<main><h1>{_e(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(doc, status, headers=HEADERS)


def _form(action: str, session: AdminSession, fields: str, buttons: str, label: str = "") -> str:
    """A POST form carrying the session's CSRF token."""
    aria = f' aria-label="{_e(label)}"' if label else ""
    return (f'<form method="post" action="{_e(action)}"{aria}><input type="hidden" name="csrf_token" value="{_e(session.csrf)}">'
            f"{fields}{buttons}</form>")


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]], caption: str = "", cls: str = "") -> str:
    """A table; ``rows`` hold HTML already escaped."""
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _list(items: Iterable[Any]) -> str:
    shown = [f"<li><code>{_e(i)}</code></li>" for i in items]
    return f"<ul>{''.join(shown)}</ul>" if shown else "<p>none</p>"


def _json(value: Any) -> str:
    return f'<pre class="mono">{_e(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))}</pre>'


def _problem(request: Request, session: AdminSession | None, status: int, message: str, back: str = "/admin") -> HTMLResponse:
    body = f'<p class="problem" role="alert">{_e(message)}</p><p>Nothing was changed. <a href="{_e(back)}">Back</a></p>'
    return _page(request, f"Refused ({status})", body, session, status)


def _refusal_text(refusal: web.Refusal) -> str:
    """The messages of a refusal's Canvas error body (``{"errors":[{"message"}]}`` or ``{"errors":["…"]}``)."""
    errors = refusal.body.get("errors") if isinstance(refusal.body, dict) else None
    if isinstance(errors, list) and errors:
        return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
    return str(refusal.body)


async def _form_data(request: Request) -> dict[str, list[str]]:
    """A url-encoded form body: name -> values (anything else reads as an empty form)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return {}
    raw = await web.body_bytes(request)
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return {}
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def _one(form: dict[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0]


def _signed_in(request: Request) -> AdminSession | None:
    session = admin_sessions.current(request)
    return session if session is not None and session.signed_in else None


def _to_login() -> Response:
    return RedirectResponse("/admin/login", 303, headers=HEADERS)


async def _post_session(request: Request) -> tuple[AdminSession | None, dict[str, list[str]]]:
    """The signed-in session of a POST whose form carries its CSRF token, else (None, form)."""
    session = _signed_in(request)
    form = await _form_data(request)
    if session is None or not admin_sessions.csrf_ok(session, {"csrf_token": _one(form, "csrf_token")}):
        return None, form
    return session, form


def _csrf_refused(request: Request) -> HTMLResponse:
    return _problem(request, _signed_in(request), 403,
                    "The form did not carry this session's CSRF token (or the session has ended): sign in and use the page's own form.",
                    "/admin/login")


# ---- sign in and out ----------------------------------------------------------------------------


def _login_page(request: Request, session: AdminSession, message: str = "", status: int = 200) -> HTMLResponse:
    alert = f'<p class="problem" role="alert">{_e(message)}</p>' if message else ""
    fields = ('<p><label for="admin_token">Admin token</label><br>'
              '<input type="password" id="admin_token" name="admin_token" autocomplete="off" required></p>')
    body = (alert + "<p>Sign in with the admin token the platform was started with (the token "
            "<code>lti-harness serve platform</code> printed, or its <code>--admin-token</code>).</p>"
            + _form("/admin/login", session, fields, '<button type="submit">Sign in</button>', "Sign in"))
    response = _page(request, "Sign in", body, None, status)
    admin_sessions.set_cookie(request, response, session)
    return response


async def login_form(request: Request) -> Response:
    """GET /admin/login: the sign-in form (its session, not signed in yet, carries the form's CSRF token)."""
    session = admin_sessions.current(request)
    if session is not None and session.signed_in:
        return RedirectResponse("/admin", 303, headers=HEADERS)
    return _login_page(request, session or admin_sessions.start(request, signed_in=False))


async def login(request: Request) -> Response:
    """POST /admin/login with ``admin_token``: a new signed-in session, then the index."""
    platform = web.platform_of(request)
    session = admin_sessions.current(request)
    form = await _form_data(request)
    if not admin_sessions.csrf_ok(session, {"csrf_token": _one(form, "csrf_token")}):
        return _problem(request, None, 403, "The sign-in form did not carry its CSRF token: open the sign-in page and try again.", "/admin/login")
    assert session is not None
    given = _one(form, "admin_token").strip().encode("utf-8")
    if not secrets.compare_digest(given, platform.config.admin_token.encode("utf-8")):
        return _login_page(request, session, "That is not the admin token.", 401)
    signed = admin_sessions.start(request, signed_in=True)
    response = RedirectResponse("/admin", 303, headers=HEADERS)
    admin_sessions.set_cookie(request, response, signed)
    return response


async def logout(request: Request) -> Response:
    """POST /admin/logout: the session ends and its cookie goes."""
    session, _ = await _post_session(request)
    if session is None:
        return _csrf_refused(request)
    admin_sessions.end(request)
    response = RedirectResponse("/admin/login", 303, headers=HEADERS)
    admin_sessions.clear_cookie(request, response)
    return response


# ---- index and registrations --------------------------------------------------------------------


def _account_registrations(platform: Platform) -> list[Registration]:
    return [r for r in platform.store.registrations() if r.account_id == platform.config.account_id]


def _reg_link(reg: Registration) -> str:
    return f'<a href="/admin/registrations/{reg.id}">{_e(reg.configuration.get("client_name") or reg.id)}</a>'


def _request_path(reg: Registration, found: UpdateRequest) -> str:
    return f"/admin/registrations/{reg.id}/update_requests/{found.id}"


async def index(request: Request) -> Response:
    """GET /admin: every page, and the pending update requests."""
    session = _signed_in(request)
    if session is None:
        return _to_login()
    platform = web.platform_of(request)
    regs = _account_registrations(platform)
    pending = [(r, p) for r in regs if (p := updates.newest_pending(r)) is not None]
    flag = "on" if registrations_admin.flag_on(platform, platform.config.account_id) else "off (update requests cannot be made or applied)"
    items = "".join(f'<li><a href="{_request_path(r, p)}">Update request {p.id} of {_e(r.configuration.get("client_name"))}</a> '
                    f"(submitted {_e(p.created_at)})</li>" for r, p in pending)
    keys = [k for k in platform.store.developer_keys() if k.workflow_state != "deleted"]
    body = (
        f"<p>Account <code>{_e(platform.config.account_id)}</code>. Registration updates "
        f"(<code>{registrations_admin.FLAG}</code>): {_e(flag)}.</p>"
        "<h2>Pages</h2><ul>"
        f'<li><a href="/admin/registrations">Registrations</a> ({len(regs)}, {len(pending)} with a pending update)</li>'
        f'<li><a href="/admin/developer_keys">Developer keys</a> ({len(keys)})</li>'
        '<li><a href="/admin/registration_token">Registration token</a>: start a tool\'s dynamic registration</li></ul>'
        f"<h2>Pending update requests</h2>{f'<ul>{items}</ul>' if items else '<p>None.</p>'}"
    )
    return _page(request, "Mock Canvas admin", body, session)


async def registrations(request: Request) -> Response:
    """GET /admin/registrations: the account's registrations."""
    session = _signed_in(request)
    if session is None:
        return _to_login()
    platform = web.platform_of(request)
    rows = []
    for reg in _account_registrations(platform):
        config = updates.overlaid(reg, platform.config.faults)
        placements = [p["placement"] + ("" if p.get("enabled", True) else " (disabled)") for p in config["placements"]]
        pending = updates.newest_pending(reg)
        rows.append([
            _reg_link(reg), _e(reg.workflow_state), f"<code>{_e(reg.client_id)}</code>", _list(config["scopes"]), _list(placements),
            f'yes: <a href="{_request_path(reg, pending)}">review update request {pending.id}</a>' if pending else "no",
        ])
    body = _table(["Name", "Status", "Client id", "Scopes (in effect)", "Placements", "Pending update"], rows,
                  "Registrations of the account") if rows else "<p>No tool has registered yet. Issue a <a href=\"/admin/registration_token\">registration token</a>.</p>"
    return _page(request, "Registrations", body, session)


def _registration_of(request: Request, platform: Platform) -> Registration | None:
    reg_id = web.parse_id(request.path_params.get("registration_id", ""))
    reg = platform.store.registration(reg_id) if reg_id is not None else None
    return reg if reg is not None and reg.account_id == platform.config.account_id else None


def _config_tables(config: dict[str, Any]) -> str:
    fields = [[_e(label), f"<code>{_e(config.get(key))}</code>" if config.get(key) is not None else "—"]
              for label, where, key in admin_diff.FIELDS if where == "internal"]
    placements = [[_e(p.get("placement")), "yes" if p.get("enabled", True) else "no", _e(p.get("text")), _e(p.get("message_type")),
                   f"<code>{_e(p.get('target_link_uri'))}</code>"] for p in config.get("placements") or []]
    custom = [[f"<code>{_e(k)}</code>", f"<code>{_e(v)}</code>"] for k, v in (config.get("custom_fields") or {}).items()]
    return (_table(["Field", "Value"], fields) + "<h3>Scopes</h3>" + _list(config.get("scopes") or [])
            + "<h3>Placements</h3>" + (_table(["Placement", "Enabled", "Text", "Message type", "Target link URI"], placements) if placements else "<p>none</p>")
            + "<h3>Redirect URIs</h3>" + _list(config.get("redirect_uris") or [])
            + "<h3>Custom parameters</h3>" + (_table(["Name", "Value"], custom) if custom else "<p>none</p>"))


def _marked(mark: str, text: Any) -> str:
    klass = "add" if mark == "+" else "del"
    return f'<span class="{klass}"><span class="mark">{mark}</span> <code>{_e(text)}</code></span>'


def _keyed(value: Any) -> dict[str, str] | None:
    """A dict, or a list of placements, as name -> text (None: neither)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True) for k, v in value.items()}
    if isinstance(value, list) and all(isinstance(v, dict) and "placement" in v for v in value):
        return admin_diff.placement_texts({"placements": value})
    return None


def _change_cell(old: Any, new: Any) -> str:
    """A history diff field: list members or named entries added (+) and removed (−), else the old and the new value."""
    if isinstance(old, (list, type(None))) and isinstance(new, (list, type(None))) and all(
            isinstance(v, (str, int, float)) for v in [*(old or []), *(new or [])]):
        old, new = old or [], new or []
        lines = [_marked("\u2212", v) for v in old if v not in new] + [_marked("+", v) for v in new if v not in old]
        return "<br>".join(lines) or "reordered"
    old_k, new_k = _keyed(old), _keyed(new)
    if old_k is not None and new_k is not None:
        lines = []
        for name in [*old_k, *(n for n in new_k if n not in old_k)]:
            if old_k.get(name) != new_k.get(name):
                if name in old_k:
                    lines.append(_marked("\u2212", f"{name}: {old_k[name]}"))
                if name in new_k:
                    lines.append(_marked("+", f"{name}: {new_k[name]}"))
        return "<br>".join(lines) or "reordered"
    show = (lambda v: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True))
    lines = ([] if old is None else [_marked("\u2212", show(old))]) + ([] if new is None else [_marked("+", show(new))])
    return "<br>".join(lines)


def _history(reg: Registration) -> str:
    if not reg.history:
        return "<p>No update has been applied yet.</p>"
    out = []
    for entry in reversed(reg.history):
        changes = [[_e(part), f"<code>{_e(field)}</code>", _change_cell(*pair)]
                   for part, fields in (entry.get("diff") or {}).items() for field, pair in fields.items()]
        who = entry.get("created_by") or {}
        out.append(
            f"<h3>{_e(entry.get('created_at'))}: {_e(entry.get('update_type'))} by {_e(who.get('name', 'unknown'))} "
            f"(user {_e(who.get('id', ''))})</h3><p>Comment: {_e(entry.get('comment') or '(none)')}</p>"
            + (_table(["Part", "Field", "Change"], changes, "What changed") if changes else "<p>No change.</p>"))
    return "".join(out)


def _request_status(reg: Registration, found: UpdateRequest) -> str:
    return updates.request_json(reg, found)["status"]


async def registration(request: Request) -> Response:
    """GET /admin/registrations/{id}: configuration, overlay, update requests, history."""
    session = _signed_in(request)
    if session is None:
        return _to_login()
    platform = web.platform_of(request)
    reg = _registration_of(request, platform)
    if reg is None:
        return _problem(request, session, 404, "There is no such registration in this account.", "/admin/registrations")
    notice = ""
    decided = next((u for u in reg.update_requests if str(u.id) == request.query_params.get("decided")), None)
    if decided is not None and not decided.pending:
        word = "applied" if decided.accepted_at else "ignored"
        notice = f'<p class="notice" role="status">Update request {decided.id} was {word}.</p>'
    key = platform.store.developer_key(reg.client_id)
    summary = _table(["Field", "Value"], [
        ["Registration id", _e(reg.id)], ["Client id (developer key)", f"<code>{_e(reg.client_id)}</code>"],
        ["Status", _e(reg.workflow_state)], ["Registered", _e(reg.created_at)],
        ["Developer key scopes", _list(key.scopes) if key else "no key"],
    ])
    requests = [[f'<a href="{_request_path(reg, u)}">{u.id}</a>', _e(u.created_at), _e(_request_status(reg, u)),
                 _e(u.accepted_at or u.rejected_at or ""), _e((u.updated_by or {}).get("name", "")), _e(u.comment or "")]
                for u in reversed(reg.update_requests)]
    body = (
        notice + summary
        + "<h2>Update requests</h2>"
        + (_table(["Request", "Submitted", "Status", "Decided", "By", "Comment"], requests) if requests else "<p>None.</p>")
        + "<h2>Configuration</h2><p>As the tool registered it (or its last accepted update), before the overlay.</p>"
        + _config_tables(updates.internal_configuration(reg.configuration, reg.scopes))
        + "<h2>Overlay</h2><p>The administrator's customisations laid over the configuration.</p>"
        + (_json(reg.overlay) if reg.overlay else "<p>No overlay.</p>")
        + "<h2>In effect (configuration with the overlay)</h2>"
        + _config_tables(updates.overlaid(reg, platform.config.faults))
        + "<h2>History (newest first)</h2>" + _history(reg)
    )
    return _page(request, f"Registration: {reg.configuration.get('client_name') or reg.id}", body, session)


# ---- an update request: the side-by-side view and the decision -------------------------------------


def _update_request_of(request: Request, platform: Platform) -> tuple[Registration, UpdateRequest] | None:
    reg = _registration_of(request, platform)
    if reg is None:
        return None
    found = next((u for u in reg.update_requests if str(u.id) == request.path_params.get("update_request_id")), None)
    return (reg, found) if found is not None else None


def _side(row: admin_diff.Row, text: str | None, which: str) -> str:
    """One side's cell: the text marked + (only on the requested side) or − (only on the current side)."""
    if text is None:
        return f'<td class="side-{which}"><span class="sr-absent">(none)</span></td>'
    mark = ""
    if row.change == admin_diff.ADDED and which == "requested" or row.change == admin_diff.CHANGED and which == "requested":
        mark = '<span class="mark">+</span> '
    elif row.change == admin_diff.REMOVED and which == "current" or row.change == admin_diff.CHANGED and which == "current":
        mark = '<span class="mark">\u2212</span> '
    return f'<td class="side-{which}">{mark}<code>{_e(text)}</code></td>'


def _diff_tables(sections: list[admin_diff.Section]) -> str:
    out = []
    for section in sections:
        if not section.rows:
            out.append(f"<h3>{_e(section.title)}</h3><p>none on either side</p>")
            continue
        rows = "".join(
            f'<tr class="{row.change}"><th scope="row" class="what">{_e(row.label)}</th><td class="what">'
            f'<span class="mark">{MARK[row.change] or "="}</span> {_e(row.change)}</td>'
            f'{_side(row, row.current, "current")}{_side(row, row.requested, "requested")}</tr>'
            for row in section.rows
        )
        out.append(f'<h3>{_e(section.title)}</h3><table class="diff"><caption>{_e(section.title)}: current and requested</caption>'
                   '<thead><tr><th scope="col">Item</th><th scope="col">Change</th><th scope="col">Current</th>'
                   f'<th scope="col">Requested</th></tr></thead><tbody>{rows}</tbody></table>')
    return "".join(out)


def _decision_form(reg: Registration, found: UpdateRequest, requested: dict[str, Any], session: AdminSession) -> str:
    """Accept with seed 000's overlay choices (scopes, placements, names), or ignore, with a comment."""
    overlay = reg.overlay or {}
    disabled_scopes = set(overlay.get("disabled_scopes") or [])
    current_scopes = set(reg.scopes)
    scopes = "".join(
        f'<label><input type="checkbox" name="scope" value="{_e(s)}"{"" if s in disabled_scopes else " checked"}> '
        f'<code>{_e(s)}</code>{" <strong>(new)</strong>" if s not in current_scopes else ""}</label><br>'
        for s in dict.fromkeys(requested.get("scopes") or [])
    )
    disabled_placements = set(overlay.get("disabled_placements") or [])
    overrides = overlay.get("placements") or {}
    names = list(dict.fromkeys(p["placement"] for p in requested.get("placements") or []))
    placement_rows = [[
        f"<code>{_e(name)}</code>",
        f'<label><input type="checkbox" name="disabled_placement" value="{_e(name)}"{" checked" if name in disabled_placements else ""}> '
        f"disable {_e(name)}</label>",
        f'<label for="text-{i}">Custom label of {_e(name)}</label><br><input type="text" id="text-{i}" name="placement_text.{_e(name)}" '
        f'value="{_e((overrides.get(name) or {}).get("text", ""))}">',
    ] for i, name in enumerate(names)]
    fields = (
        "<fieldset><legend>Scopes the tool receives (untick to withhold one)</legend>"
        + (scopes or "<p>The tool requests no scopes.</p>") + "</fieldset>"
        + "<fieldset><legend>Placements</legend>"
        + (_table(["Placement", "Disable", "Custom label"], placement_rows) if placement_rows else "<p>No placements requested.</p>")
        + "</fieldset>"
        + '<fieldset><legend>Name</legend><label for="title">Custom name (empty: the tool\'s own, '
        + f'<code>{_e(requested.get("title"))}</code>)</label><br><input type="text" id="title" name="title" value="{_e(overlay.get("title", ""))}"></fieldset>'
        + '<p><label for="comment">Comment (kept in the history)</label><br><textarea id="comment" name="comment" rows="3" maxlength="2000"></textarea></p>'
    )
    buttons = ('<button type="submit" name="decision" value="accept">Accept update</button>'
               '<button type="submit" name="decision" value="ignore">Ignore update</button>')
    return "<h2>Decision</h2>" + _form(_request_path(reg, found), session, fields, buttons, "Accept or ignore the update")


def overlay_from_form(form: dict[str, list[str]], requested: dict[str, Any], existing: dict[str, Any]) -> dict[str, Any]:
    """The overlay the decision form describes: unticked requested scopes are ``disabled_scopes``,
    ticked placements ``disabled_placements``, a custom name ``title``, custom labels ``placements.<p>.text``;
    what the form does not show of the existing overlay (custom fields, other placement settings) is kept."""
    shown = ("title", "disabled_scopes", "disabled_placements", "placements")
    overlay: dict[str, Any] = {k: v for k, v in existing.items() if k not in shown}
    ticked = set(form.get("scope") or [])
    disabled = [s for s in dict.fromkeys(requested.get("scopes") or []) if s not in ticked]
    if disabled:
        overlay["disabled_scopes"] = disabled
    names = list(dict.fromkeys(p["placement"] for p in requested.get("placements") or []))
    off = [n for n in names if n in set(form.get("disabled_placement") or [])]
    if off:
        overlay["disabled_placements"] = off
    placements: dict[str, Any] = {}
    for name, values in (existing.get("placements") or {}).items():
        kept = {k: v for k, v in values.items() if k != "text"}
        if kept:
            placements[name] = kept
    for name in names:
        text = _one(form, f"placement_text.{name}").strip()
        if text:
            placements.setdefault(name, {})["text"] = text
    if placements:
        overlay["placements"] = placements
    title = _one(form, "title").strip()
    if title:
        overlay["title"] = title
    return overlay


async def update_request(request: Request) -> Response:
    """GET /admin/registrations/{id}/update_requests/{ur}: current and requested side by side, and the decision form."""
    session = _signed_in(request)
    if session is None:
        return _to_login()
    platform = web.platform_of(request)
    found_pair = _update_request_of(request, platform)
    if found_pair is None:
        return _problem(request, session, 404, "There is no such update request for a registration of this account.", "/admin/registrations")
    reg, found = found_pair
    shown = updates.request_json(reg, found, platform.config.faults)
    requested = shown["internal_lti_configuration"]
    current = updates.internal_configuration(reg.configuration, reg.scopes)
    sections = admin_diff.compare(current, reg.configuration, requested, shown["lti_ims_registration"])
    status = shown["status"]
    if status == "pending":
        flag_note = "" if registrations_admin.flag_on(platform, reg.account_id) else (
            f'<p class="problem">The <code>{registrations_admin.FLAG}</code> feature is off for this account: applying will be refused.</p>')
        decision = flag_note + _decision_form(reg, found, requested, session)
    else:
        decision = f"<p>This request is {_e(status)}: it can no longer be accepted or ignored.</p>"
    body = (
        f"<p>Registration {_reg_link(reg)}, client id <code>{_e(reg.client_id)}</code>. Submitted {_e(found.created_at)}. "
        f"Status: <strong>{_e(status)}</strong>.</p>"
        f'<p><strong>What changes:</strong> {_e(admin_diff.summary(sections))}.</p>'
        '<p>Marks: <span class="mark">+</span> requested (added, or the new value), <span class="mark">\u2212</span> '
        'current (removed, or the old value), <span class="mark">=</span> unchanged. Nothing changes until you accept.</p>'
        "<h2>Current and requested configuration</h2>" + _diff_tables(sections) + decision
    )
    return _page(request, f"Update request {found.id}: {reg.configuration.get('client_name') or reg.id}", body, session)


async def decide(request: Request) -> Response:
    """POST /admin/registrations/{id}/update_requests/{ur}: accept with the form's overlay, or ignore;
    decided by ``registrations_admin.decide``, exactly as ``PUT …/apply`` decides."""
    session, form = await _post_session(request)
    if session is None:
        return _csrf_refused(request)
    platform = web.platform_of(request)
    found_pair = _update_request_of(request, platform)
    if found_pair is None:
        return _problem(request, session, 404, "There is no such update request for a registration of this account.", "/admin/registrations")
    reg, found = found_pair
    back = _request_path(reg, found)
    decision = _one(form, "decision")
    if decision not in ("accept", "ignore"):
        return _problem(request, session, 400, "Choose Accept update or Ignore update.", back)
    comment = _one(form, "comment").strip() or None
    overlay = None
    if decision == "accept":
        requested = updates.request_json(reg, found, platform.config.faults)["internal_lti_configuration"]
        overlay = overlay_from_form(form, requested, reg.overlay or {})
    try:
        await registrations_admin.decide(platform, reg, found, accepted=decision == "accept", overlay=overlay, comment=comment)
    except web.Refusal as refusal:
        return _problem(request, session, refusal.status, _refusal_text(refusal), back)
    return RedirectResponse(f"/admin/registrations/{reg.id}?decided={found.id}", 303, headers=HEADERS)


# ---- developer keys -------------------------------------------------------------------------------


async def developer_keys(request: Request) -> Response:
    """GET /admin/developer_keys: scopes, state and binding of each key, with forms to switch them."""
    session = _signed_in(request)
    if session is None:
        return _to_login()
    platform = web.platform_of(request)
    rows = []
    for key in platform.store.developer_keys():
        if key.workflow_state == "deleted":
            continue
        event, verb = ("deactivate", "Turn off") if key.workflow_state == "active" else ("activate", "Turn on")
        state_form = _form(f"/admin/developer_keys/{key.id}/state", session, f'<input type="hidden" name="event" value="{event}">',
                           f'<button type="submit">{verb}</button>', f"{verb} key {key.id}")
        options = "".join(f'<option value="{s}"{" selected" if s == key.binding else ""}>{s}</option>' for s in devkeys.BINDING_STATES)
        binding_form = _form(f"/admin/developer_keys/{key.id}/binding", session,
                             f'<label for="binding-{_e(key.id)}">binding</label> <select id="binding-{_e(key.id)}" name="workflow_state">{options}</select> ',
                             '<button type="submit">Set</button>', f"Binding of key {key.id}")
        reg = f'<a href="/admin/registrations/{key.registration_id}">registration</a>' if key.registration_id else ""
        rows.append([_e(key.name) or "—", f"<code>{_e(key.id)}</code> {reg}", "LTI" if key.is_lti_key else "API",
                     _list(key.scopes), _e(key.workflow_state), _e(key.binding), state_form, binding_form])
    body = ("<p>A key's API secret is never shown here.</p>"
            + (_table(["Name", "Client id", "Kind", "Scopes", "State", "Binding", "Turn on/off", "Account binding"], rows, "Developer keys")
               if rows else "<p>No developer keys yet.</p>"))
    return _page(request, "Developer keys", body, session)


def _key_of(request: Request, platform: Platform) -> DeveloperKey | None:
    key = platform.store.developer_key(request.path_params.get("key_id", ""))
    return key if key is not None and key.workflow_state != "deleted" else None


async def key_state(request: Request) -> Response:
    """POST /admin/developer_keys/{id}/state with ``event`` activate | deactivate (as ``PUT /api/v1/developer_keys/:id``)."""
    session, form = await _post_session(request)
    if session is None:
        return _csrf_refused(request)
    platform = web.platform_of(request)
    key = _key_of(request, platform)
    if key is None:
        return _problem(request, session, 404, "There is no such developer key.", "/admin/developer_keys")
    event = _one(form, "event")
    if event not in ("activate", "deactivate"):
        return _problem(request, session, 400, "event must be activate or deactivate", "/admin/developer_keys")
    key.workflow_state = "active" if event == "activate" else "inactive"
    return RedirectResponse("/admin/developer_keys", 303, headers=HEADERS)


async def key_binding(request: Request) -> Response:
    """POST /admin/developer_keys/{id}/binding with ``workflow_state`` on | off | allow (as the bindings API)."""
    session, form = await _post_session(request)
    if session is None:
        return _csrf_refused(request)
    platform = web.platform_of(request)
    key = _key_of(request, platform)
    if key is None:
        return _problem(request, session, 404, "There is no such developer key.", "/admin/developer_keys")
    state = _one(form, "workflow_state")
    if state not in devkeys.BINDING_STATES:
        return _problem(request, session, 400, f"The binding must be one of {', '.join(devkeys.BINDING_STATES)}.", "/admin/developer_keys")
    key.binding = state
    return RedirectResponse("/admin/developer_keys", 303, headers=HEADERS)


# ---- registration token ---------------------------------------------------------------------------


def _token_form(session: AdminSession) -> str:
    fields = ('<p><label for="registration_url">The tool\'s registration URL (optional; Canvas keeps it in the token)</label><br>'
              '<input type="text" id="registration_url" name="registration_url"></p>')
    return _form("/admin/registration_token", session, fields, '<button type="submit">Issue a registration token</button>', "Issue a registration token")


async def registration_token_page(request: Request) -> Response:
    """GET /admin/registration_token: the button that issues a token."""
    session = _signed_in(request)
    if session is None:
        return _to_login()
    body = ("<p>A tool vendor starts LTI Dynamic Registration with the platform's OpenID configuration URL, which carries a "
            "registration token. The token is valid for one hour and for one registration; it is shown once, on the page "
            "that issues it.</p>" + _token_form(session))
    return _page(request, "Registration token", body, session)


async def issue_registration_token(request: Request) -> Response:
    """POST /admin/registration_token: a new token (as ``GET /api/lti/accounts/:id/registration_token``) and the URL to paste."""
    session, form = await _post_session(request)
    if session is None:
        return _csrf_refused(request)
    platform = web.platform_of(request)
    issued = dynreg.issue_token(request, platform, _one(form, "registration_url").strip())
    url = issued["oidc_configuration_url"]
    body = (
        '<p class="notice" role="status">A registration token was issued. Paste this OpenID configuration URL into the tool '
        "(its dynamic-registration page asks for it). It is shown only here and now: it is what a tool vendor needs, "
        "valid for one hour and one registration; issue another when it is used or lost.</p>"
        f'<p><label for="oidc_configuration_url">OpenID configuration URL</label><br>'
        f'<input type="text" id="oidc_configuration_url" readonly size="100" value="{_e(url)}"></p>'
        + (f"<p>Token id (uuid): <code>{_e(issued['uuid'])}</code></p>" if "uuid" in issued else "")
        + "<h2>Another token</h2>" + _token_form(session)
    )
    return _page(request, "Registration token issued", body, session)


ROUTES = [
    Route("/admin", index, methods=["GET"]),
    Route("/admin/login", login_form, methods=["GET"]),
    Route("/admin/login", login, methods=["POST"]),
    Route("/admin/logout", logout, methods=["POST"]),
    Route("/admin/registrations", registrations, methods=["GET"]),
    Route("/admin/registrations/{registration_id}", registration, methods=["GET"]),
    Route("/admin/registrations/{registration_id}/update_requests/{update_request_id}", update_request, methods=["GET"]),
    Route("/admin/registrations/{registration_id}/update_requests/{update_request_id}", decide, methods=["POST"]),
    Route("/admin/developer_keys", developer_keys, methods=["GET"]),
    Route("/admin/developer_keys/{key_id}/state", key_state, methods=["POST"]),
    Route("/admin/developer_keys/{key_id}/binding", key_binding, methods=["POST"]),
    Route("/admin/registration_token", registration_token_page, methods=["GET"]),
    Route("/admin/registration_token", issue_registration_token, methods=["POST"]),
]
