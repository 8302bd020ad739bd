"""The project's performance figures, side by side, in one run:

- the embedded run (``lti-harness run`` with its default processes, and with ``-n 1``): wall time, CPU
  seconds (user + sys of the whole process tree), peak memory of its largest process, HTTP requests sent;
- the start-up cost: a one-check run (``lti-harness run -n 1 --check DR-001``), whose time is almost all
  fixed cost (interpreter, imports, collection, starting and stopping the mocks); the median of 5;
- the mock platform's requests per second on three routes (OpenID configuration, AGS line-item list,
  score POST) against a bare Starlette app answering the same bytes, both on the same uvicorn on
  127.0.0.1 in one server process, driven by the same client loop; the ratio per route;
- the harness's HTTP client per request against a raw ``httpx.Client`` loop on the same local server.

    python bench/bench.py [--quick] [--json FILE] [--no-run]

Every server is started here on 127.0.0.1 and every loop is bounded in requests and seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
COUNTER = BENCH / "request_count"  # its sitecustomize counts the requests of a measured run
ADMIN = "bench-admin"
LINE_ITEMS = 5  # in the listed course
_budget_lock = threading.Lock()  # the load loop's connections share one request budget


# --- the embedded run --------------------------------------------------------------------------


def embedded_run(workers: int | None, examples: int | None, seed: int) -> dict[str, Any]:
    """One ``lti-harness run`` in a child process: wall, CPU and peak memory of its whole tree (from
    ``wait4``), the requests it sent (counted by ``request_count/sitecustomize.py`` in every process of
    the tree: each ``send`` of an httpx client, the harness's and the mocks' own), and its verdicts."""
    with tempfile.TemporaryDirectory() as tmp:
        counts = Path(tmp, "counts")
        counts.mkdir()
        command = [sys.executable, "-m", "lti_harness.harness.cli", "run", "--report-dir", tmp, "--seed", str(seed)]
        command += ["-n", str(workers)] if workers else []
        command += ["--examples", str(examples)] if examples else []
        env = {**os.environ, "LTI_BENCH_COUNT_DIR": str(counts),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(COUNTER), os.environ.get("PYTHONPATH")]))}
        started = time.perf_counter()
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        output = child.stdout.read() if child.stdout else b""
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"the embedded run failed ({child.returncode}):\n{output.decode(errors='replace')[-3000:]}")
        summary = json.loads(Path(tmp, "summary.json").read_text())
        requests = sum(int(p.read_text() or 0) for p in counts.glob("*.count"))
    return {
        "processes": workers or "default",
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "user_s": round(usage.ru_utime, 2),
        "sys_s": round(usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "requests": requests,
        "checks": len(summary["checks"]),
        "passed": summary["passed"],
    }


STARTUP_CHECK = "DR-001"  # one quick example-based check: the run is almost all start-up


def startup_run(rounds: int, seed: int) -> dict[str, Any]:
    """A one-check run, ``rounds`` times in turn: the medians of its wall time and CPU seconds (whole
    process tree, from ``wait4``) and of its peak memory."""
    measured = []
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "lti_harness.harness.cli", "run", "-n", "1", "--check", STARTUP_CHECK,
                   "--report-dir", tmp, "--seed", str(seed)]
        for _ in range(rounds + 1):  # the first one warms the file cache and is not counted
            started = time.perf_counter()
            child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            output = child.stdout.read() if child.stdout else b""
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - started
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"the one-check run failed:\n{output.decode(errors='replace')[-3000:]}")
            measured.append((wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024))
    counted = measured[1:]
    return {"check": STARTUP_CHECK, "rounds": rounds,
            "wall_s": round(statistics.median(m[0] for m in counted), 2),
            "cpu_s": round(statistics.median(m[1] for m in counted), 2),
            "peak_rss_mib": round(statistics.median(m[2] for m in counted), 1)}


# --- the served apps (a child process) ---------------------------------------------------------


@dataclass
class Target:
    """One measured route: the request to send and the status it answers."""

    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""
    status: int = 200
    template: str = ""  # the route's path pattern (the bare app routes the same pattern)
    answer: bytes = b""
    answer_headers: dict[str, str] = field(default_factory=dict)  # as the mock answered, less what any server adds


def _fixtures(base: str) -> list[Target]:
    """A registration token, a tool's key installed in a course with a student and line items, an LTI
    token; the three measured requests."""
    import httpx

    from lti_harness.harness import keys
    from lti_harness.vocab import LINEITEM_SCOPE, SCORE_SCOPE

    admin = {"Authorization": f"Bearer {ADMIN}"}
    pair = keys.generate()
    with httpx.Client(base_url=base, timeout=10) as c:
        def ok(response: httpx.Response) -> Any:
            response.raise_for_status()
            return response.json()

        reg_token = ok(c.get("/api/lti/accounts/1/registration_token", headers=admin))["token"]
        key = ok(c.post("/api/v1/accounts/1/developer_keys", headers=admin, json={"developer_key": {
            "name": "bench", "is_lti_key": True, "public_jwk": pair.public_jwk, "scopes": [LINEITEM_SCOPE, SCORE_SCOPE]}}))["id"]
        course = ok(c.post("/api/v1/accounts/1/courses", headers=admin, json={"course": {"name": "Bench"}}))["id"]
        ok(c.post(f"/api/v1/courses/{course}/external_tools", headers=admin, json={"client_id": key}))
        student = ok(c.post("/api/v1/accounts/1/users", headers=admin, json={"user": {"name": "Student"}}))["id"]
        ok(c.post(f"/api/v1/courses/{course}/enrollments", headers=admin, json={"enrollment": {"user_id": student}}))
        assertion = keys.client_assertion(pair, str(key), f"{base}/login/oauth2/token")
        token = ok(c.post("/login/oauth2/token", data={
            "grant_type": "client_credentials", "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion, "scope": f"{LINEITEM_SCOPE} {SCORE_SCOPE}"}))["access_token"]
        lti = {"Authorization": f"Bearer {token}"}
        items = [ok(c.post(f"/api/lti/courses/{course}/line_items", headers=lti, json={"label": f"Item {n}", "scoreMaximum": 10}))["id"]
                 for n in range(LINE_ITEMS)]
    item = items[0].rsplit("/", 1)[1]
    score = json.dumps({"userId": str(student), "scoreGiven": 7, "scoreMaximum": 10, "activityProgress": "Completed",
                        "gradingProgress": "FullyGraded", "timestamp": "2024-05-01T10:00:00.000Z"}).encode()
    items_path = "/api/lti/courses/{course_id}/line_items"
    return [
        Target("openid_configuration", "GET", f"/api/lti/security/openid-configuration?registration_token={reg_token}", {},
               template="/api/lti/security/openid-configuration"),
        Target("ags_line_item_list", "GET", f"/api/lti/courses/{course}/line_items", {**lti, "Accept": "application/vnd.ims.lis.v2.lineitemcontainer+json"},
               template=items_path),
        Target("ags_score_post", "POST", f"/api/lti/courses/{course}/line_items/{item}/scores",
               {**lti, "Content-Type": "application/vnd.ims.lis.v1.score+json"}, score, template=items_path + "/{item_id}/scores"),
    ]


def bare_app(targets: list[Target]) -> Any:
    """A bare Starlette app answering each target's path pattern with the mock's recorded answer: the
    same status, headers and body, as constants."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    def constant(target: Target) -> Any:
        async def endpoint(request: Any) -> Response:
            return Response(target.answer, target.status, headers=target.answer_headers)
        return endpoint

    return Starlette(routes=[Route(t.template, constant(t), methods=[t.method]) for t in targets])


def serve() -> None:
    """The child process: serve the mock platform and the bare app, print where, then answer ``cpu``
    lines on stdin with this process's CPU seconds until stdin closes."""
    import httpx

    from lti_harness import mock_platform
    from lti_harness.harness import servers

    mock = servers.start(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=ADMIN)))
    targets = _fixtures(mock.url)
    with httpx.Client(base_url=mock.url, timeout=10) as c:
        for t in targets:
            r = c.request(t.method, t.path, headers=t.headers, content=t.body)
            t.status, t.answer = r.status_code, r.content
            t.answer_headers = {k: v for k, v in r.headers.items() if k not in ("date", "server", "content-length")}
    bare = servers.start(bare_app(targets))
    print(json.dumps({"mock": mock.url, "bare": bare.url, "targets": [
        {**t.__dict__, "body": t.body.decode(), "answer": t.answer.decode()} for t in targets]}), flush=True)
    for line in sys.stdin:
        if line.strip() == "cpu":
            print(time.process_time(), flush=True)
    mock.stop()
    bare.stop()


@dataclass
class Served:
    """The serving child process, its apps' addresses and the measured targets."""

    process: subprocess.Popen
    urls: dict[str, str]
    targets: list[Target] = field(default_factory=list)

    def cpu(self) -> float:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write("cpu\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_served() -> Served:
    process = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout
    first = process.stdout.readline()
    if not first:
        process.wait()
        raise SystemExit("the serving process did not start")
    info = json.loads(first)
    targets = [Target(**{**t, "body": t["body"].encode(), "answer": t["answer"].encode()}) for t in info["targets"]]
    return Served(process, {"mock": info["mock"], "bare": info["bare"]}, targets)


# --- the load loop -----------------------------------------------------------------------------


def _wire(target: Target, url: str) -> bytes:
    host = url.split("://", 1)[1]
    head = [f"{target.method} {target.path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in target.headers.items())]
    if target.body or target.method == "POST":
        head.append(f"Content-Length: {len(target.body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + target.body


def _connection_loop(address: tuple[str, int], request: bytes, status: bytes, stop_at: float, budget: list[int], done: list[int], bad: list[int]) -> None:
    """Send ``request`` on one kept-alive connection, wait for each whole answer, until the shared
    budget or the time is used up."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        while time.perf_counter() < stop_at:
            with _budget_lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            sock.sendall(request)
            while b"\r\n\r\n" not in buffer:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("the server closed the connection")
                buffer += chunk
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
            while len(buffer) < length:
                buffer += sock.recv(65536)
            buffer = buffer[length:]
            done[0] += 1
            if not head.startswith(status):
                bad[0] += 1



def load(served: Served, app: str, target: Target, requests: int, seconds: float, connections: int) -> dict[str, float]:
    """Up to ``requests`` requests (or ``seconds``) over ``connections`` kept-alive connections: the
    requests per wall second and per CPU second of the server process."""
    url = served.urls[app]
    host, port = url.split("://", 1)[1].split(":")
    wire = _wire(target, url)
    budget, done, bad = [requests], [0], [0]
    status = f"HTTP/1.1 {target.status} ".encode()
    cpu0, started = served.cpu(), time.perf_counter()
    threads = [threading.Thread(target=_connection_loop, args=((host, int(port)), wire, status, started + seconds, budget, done, bad))
               for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - started, served.cpu() - cpu0
    if bad[0]:
        raise SystemExit(f"{app} answered {target.name} with another status than {target.status} {bad[0]} times")
    return {"requests": done[0], "rps": done[0] / wall, "rps_per_server_cpu_s": done[0] / cpu if cpu > 0 else float("nan")}


def mock_vs_bare(served: Served, rounds: int, requests: int, seconds: float, connections: int) -> dict[str, Any]:
    """Each route on the mock and on the bare app, alternately, ``rounds`` times; medians and ratios."""
    out: dict[str, Any] = {}
    for target in served.targets:
        load(served, "mock", target, 200, 2, connections)  # warm both before measuring
        load(served, "bare", target, 200, 2, connections)
        runs: dict[str, list[dict[str, float]]] = {"mock": [], "bare": []}
        for _ in range(rounds):
            for app in ("mock", "bare"):
                runs[app].append(load(served, app, target, requests, seconds, connections))
        row: dict[str, Any] = {"response_bytes": len(target.answer)}
        for app, measured in runs.items():
            row[app] = {k: round(statistics.median(m[k] for m in measured), 1) for k in ("rps", "rps_per_server_cpu_s")}
            row[app]["requests"] = sum(int(m["requests"]) for m in measured)
        row["ratio_rps"] = round(row["mock"]["rps"] / row["bare"]["rps"], 3)
        row["ratio_per_server_cpu"] = round(row["mock"]["rps_per_server_cpu_s"] / row["bare"]["rps_per_server_cpu_s"], 3)
        out[target.name] = row
    return out


# --- the harness's client against raw httpx ------------------------------------------------------


def client_overhead(served: Served, rounds: int, requests: int) -> dict[str, Any]:
    """Per request, wall and client CPU: the harness's ``Client`` (recording every exchange, as in a run)
    against a raw ``httpx.Client`` loop, both sending the line-item list request to the bare app."""
    import httpx

    from lti_harness.harness.client import Client

    target = next(t for t in served.targets if t.name == "ags_line_item_list")
    url = served.urls["bare"] + target.path
    kept: list[Any] = []

    def record(exchange: Any) -> None:
        kept.append(exchange)
        del kept[:-100]

    def timed(send: Any) -> tuple[float, float]:
        for _ in range(20):
            send()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for _ in range(requests):
            send()
        return (time.perf_counter() - wall0) / requests, (time.process_time() - cpu0) / requests

    harness, raw = [], []
    with Client(recorder=record) as ours, httpx.Client(timeout=10) as plain:
        for _ in range(rounds):
            harness.append(timed(lambda: ours.get(url, headers=target.headers)))
            raw.append(timed(lambda: plain.get(url, headers=target.headers).raise_for_status()))

    def median_us(measured: list[tuple[float, float]], i: int) -> float:
        return round(statistics.median(m[i] for m in measured) * 1e6, 1)

    out = {"requests_per_round": requests, "rounds": rounds,
           "harness_client": {"wall_us": median_us(harness, 0), "client_cpu_us": median_us(harness, 1)},
           "raw_httpx": {"wall_us": median_us(raw, 0), "client_cpu_us": median_us(raw, 1)}}
    out["ratio_wall"] = round(out["harness_client"]["wall_us"] / out["raw_httpx"]["wall_us"], 3)
    out["ratio_client_cpu"] = round(out["harness_client"]["client_cpu_us"] / out["raw_httpx"]["client_cpu_us"], 3)
    return out


# --- the whole bench ---------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {"cores": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "system": f"{platform.system()} {platform.machine()}"}


def report(result: dict[str, Any]) -> str:
    lines = [f"machine: {result['machine_before']['cores']} cores, load {result['machine_before']['load_average']} "
             f"(after: {result['machine_after']['load_average']}), Python {result['machine_before']['python']}"]
    for run in result.get("embedded_run", []):
        lines.append(f"embedded run, processes {run['processes']!s:>7}: {run['wall_s']:6.1f} s wall  {run['cpu_s']:6.1f} CPU-s  "
                     f"peak {run['peak_rss_mib']:.0f} MiB  {run['requests']} requests  {run['passed']}/{run['checks']} checks passed")
    if "startup" in result:
        s = result["startup"]
        lines.append(f"start-up, a one-check run (-n 1 --check {s['check']}), median of {s['rounds']}: {s['wall_s']:.2f} s wall  "
                     f"{s['cpu_s']:.2f} CPU-s  peak {s['peak_rss_mib']:.0f} MiB")
    lines.append("mock platform vs bare Starlette (same uvicorn, same client loop; req/s wall and per server CPU-s):")
    for name, row in result["mock_vs_bare"].items():
        lines.append(f"  {name:22s} {row['response_bytes']:5d} B  mock {row['mock']['rps']:7.0f} /s ({row['mock']['rps_per_server_cpu_s']:6.0f} /CPU-s)"
                     f"  bare {row['bare']['rps']:7.0f} /s ({row['bare']['rps_per_server_cpu_s']:6.0f} /CPU-s)"
                     f"  ratio {row['ratio_rps']:.2f} ({row['ratio_per_server_cpu']:.2f} per CPU-s)")
    c = result["client_overhead"]
    lines.append(f"harness client vs raw httpx.Client, per request: {c['harness_client']['wall_us']:.0f} µs vs {c['raw_httpx']['wall_us']:.0f} µs wall "
                 f"(ratio {c['ratio_wall']:.2f}), {c['harness_client']['client_cpu_us']:.0f} vs {c['raw_httpx']['client_cpu_us']:.0f} µs client CPU "
                 f"(ratio {c['ratio_client_cpu']:.2f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests and rounds, the embedded run at --examples 5")
    parser.add_argument("--no-run", action="store_true", help="leave out the embedded runs")
    parser.add_argument("--json", metavar="FILE", help="also write the figures here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ns = parser.parse_args(argv)
    if ns.serve:
        serve()
        return 0
    rounds, requests, seconds = (1, 1000, 3.0) if ns.quick else (5, 4000, 10.0)
    result: dict[str, Any] = {"quick": ns.quick, "machine_before": machine()}
    if not ns.no_run:
        examples = 5 if ns.quick else None
        result["embedded_run"] = [embedded_run(None, examples, seed=1), embedded_run(1, examples, seed=1)]
        result["startup"] = startup_run(3 if ns.quick else 5, seed=1)
    served = start_served()
    try:
        result["mock_vs_bare"] = mock_vs_bare(served, rounds, requests, seconds, connections=4)
        result["client_overhead"] = client_overhead(served, rounds, requests // 4)
    finally:
        served.stop()
    result["machine_after"] = machine()
    print(report(result))
    if ns.json:
        Path(ns.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
