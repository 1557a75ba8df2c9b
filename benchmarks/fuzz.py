"""``python -m benchmarks.fuzz``: malformed requests to every public endpoint of the stack.

Starts an isolated stack (and the privacy admin API), sends ``--requests`` fuzzed requests
from a few concurrent workers, spread over every public endpoint: the REST channel (plain and
streaming), the SMS, Messenger and web chat webhooks, socket.io, Rasa's HTTP API with and
without its token, the commerce backend, the agent desk (as nobody, the assistant and a
logged-in agent) and the privacy API. Each endpoint must answer every request with a 2xx-4xx
within two seconds. Afterwards every server must still be healthy and a normal conversation
must still be answered. The generator is seeded: the same ``--seed`` sends the same requests
(`benchmarks.fuzz_requests` holds the endpoints and the generator; this module sends, times
and reports).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import requests

from benchmarks.fuzz_requests import ENDPOINTS, Endpoint, plan
from benchmarks.report import write_section
from benchmarks.run import MODEL, pct, seed
from stack.isolated import free_port, isolated_env
from stack.processes import Stack
from stack.settings import ROOT

SLOW_S = 2.0


@dataclass
class Target:
    """Where the servers listen and the credentials a request may (or may not) carry."""

    bases: dict[str, str]
    secrets: dict[str, str]
    agent_cookie: str = ""
    agent_csrf: str = ""


@dataclass
class Result:
    statuses: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    server_errors: int = 0
    slow: int = 0
    examples: list[str] = field(default_factory=list)


def send(
    session: requests.Session,
    target: Target,
    endpoint: Endpoint,
    spec: dict[str, Any],
    read_s: float,
) -> tuple[str, float]:
    """One request; its status (or ``timeout``/``error``) and its latency."""
    base = target.bases[endpoint.server]
    path, _, fixed_query = endpoint.path.partition("?")
    url = base + path.format(id=spec["id"])
    params = dict(spec["query"])
    if fixed_query:
        params.update(dict(p.split("=", 1) for p in fixed_query.split("&")))
    headers = {"Content-Type": spec["content_type"]} if spec["content_type"] else {}
    body = spec["body"]
    credential = spec["credential"]
    secret = target.secrets.get(endpoint.auth, "")
    if endpoint.auth == "rasa" and credential != "none":
        params["token"] = secret if credential == "right" else "wrong-token"
    elif endpoint.auth in ("commerce", "desk", "privacy") and credential != "none":
        headers["Authorization"] = f"Bearer {secret if credential == 'right' else 'wrong'}"
    elif endpoint.auth == "agent" and credential != "none":
        csrf = target.agent_csrf if credential == "right" else "wrong"
        headers.update({"Cookie": f"desk_session={target.agent_cookie}", "X-CSRF-Token": csrf})
    if spec["header_junk"] is not None:
        headers["X-Twilio-Signature"] = spec["header_junk"]
        headers["X-Hub-Signature-256"] = spec["header_junk"]
    if endpoint.server == "privacy" and credential == "right":
        if endpoint.method == "DELETE":  # stored conversations are not the fuzzer's to delete
            headers["Authorization"] = "Bearer wrong"
        elif endpoint.method == "POST" and body.strip()[:1] in (b"", b"{"):
            body = b'{"older_than_days": 36500}'
    started = time.perf_counter()
    try:
        resp = session.request(
            endpoint.method,
            url,
            params=params,
            data=body if endpoint.method != "GET" else None,
            headers=headers,
            timeout=(2, read_s),
            allow_redirects=False,
        )
        status = str(resp.status_code)
    except requests.Timeout:
        status = "timeout"
    except requests.RequestException as exc:
        status = f"error:{type(exc).__name__}"
    return status, (time.perf_counter() - started) * 1000


def run(
    target: Target, planned: list[tuple[Endpoint, dict[str, Any]]], workers: int, read_s: float
) -> dict[str, Result]:
    results: dict[str, Result] = defaultdict(Result)
    lock = threading.Lock()
    local = threading.local()

    def one(item: tuple[Endpoint, dict[str, Any]]) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        endpoint, spec = item
        status, ms = send(local.session, target, endpoint, spec, read_s)
        with lock:
            result = results[endpoint.name]
            result.statuses[status] += 1
            result.latencies_ms.append(ms)
            bad = not status.isdigit() or int(status) >= 500
            result.server_errors += bad
            result.slow += ms > SLOW_S * 1000
            if (bad or ms > SLOW_S * 1000) and len(result.examples) < 3:
                result.examples.append(f"{status} {ms:.0f} ms {spec['body'][:80]!r}")
            done = sum(len(r.latencies_ms) for r in results.values())
            if done % 1000 == 0:
                print(f"{done} requests sent", file=sys.stderr, flush=True)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, planned))
    return results


def agent_login(desk: str, username: str, password: str) -> tuple[str, str]:
    """(session cookie, CSRF token) of an agent, as the console logs in."""

    def cookies(resp: requests.Response) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        for header in resp.raw.headers.getlist("Set-Cookie"):
            jar.load(header)
        return {name: morsel.value for name, morsel in jar.items()}

    form = requests.get(f"{desk}/login", timeout=10)
    login_csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    if login_csrf is None:
        raise RuntimeError("the desk's login form has no CSRF field")
    resp = requests.post(
        f"{desk}/login",
        data={"csrf": login_csrf.group(1), "username": username, "password": password},
        headers={"Cookie": f"desk_login_csrf={cookies(form)['desk_login_csrf']}"},
        allow_redirects=False,
        timeout=10,
    )
    session = cookies(resp)["desk_session"]
    page = requests.get(
        f"{desk}/console", headers={"Cookie": f"desk_session={session}"}, timeout=10
    )
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    if token is None:
        raise RuntimeError("the console page has no CSRF token")
    return session, token.group(1)


@contextmanager
def privacy_api(env: dict[str, str], log_dir: Path) -> Iterator[str]:
    """``python -m guardrails.privacy serve`` with the stack's settings, on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "guardrails.privacy", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**env, "AFTERCARE_LOG_DIRS": str(log_dir)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/privacy/v1/conversations/x", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the privacy API did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def health(stack: Stack, privacy: str) -> list[tuple[str, bool, str]]:
    """Every server's health check, then a normal conversation over REST."""
    checks: list[tuple[str, bool, str]] = []
    for service in stack.services:
        alive = service.process is not None and service.process.poll() is None
        how = "running" if alive else f"exited with {service.process and service.process.poll()}"
        checks.append(
            (service.name, alive and service.is_healthy(), f"{how}, {service.health_url}")
        )
    try:
        resp = requests.get(f"{privacy}/privacy/v1/conversations/x", timeout=5)
        checks.append(("privacy API", resp.status_code == 401, "401 without a token"))
    except requests.RequestException as exc:
        checks.append(("privacy API", False, type(exc).__name__))
    try:
        resp = requests.post(
            stack.rest_url, json={"sender": "fuzz-after", "message": "hi"}, timeout=30
        )
        answered = resp.status_code == 200 and bool(resp.json())
        reply = resp.json()[0].get("text", "")[:60] if answered else resp.text[:60]
    except requests.RequestException as exc:
        answered, reply = False, type(exc).__name__
    checks.append(("conversation after the run", answered, f"'hi' -> {reply!r}"))
    return checks


def report(results: dict[str, Result], checks: list[tuple[str, bool, str]], args: Any) -> list[str]:
    total = sum(len(r.latencies_ms) for r in results.values())
    lines = [
        f"`{args.command}` ({time.strftime('%Y-%m-%d')}, this 2-core machine, embedded mode, "
        f"{args.workers} workers, seed {args.seed}): {total} requests, "
        f"{sum(r.server_errors for r in results.values())} answered ≥ 500 or not at all, "
        f"{sum(r.slow for r in results.values())} over {SLOW_S:.0f} s.",
        "",
        "| endpoint | requests | statuses | ≥ 500 | over 2 s | P50 ms | P99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for endpoint in ENDPOINTS:
        r = results.get(endpoint.name)
        if r is None:
            continue
        statuses = ", ".join(f"{s}: {c}" for s, c in sorted(r.statuses.items()))
        lines.append(
            f"| {endpoint.name} | {len(r.latencies_ms)} | {statuses} | {r.server_errors} | "
            f"{r.slow} | {pct(r.latencies_ms, 50):.1f} | {pct(r.latencies_ms, 99):.1f} |"
        )
    lines += ["", "After the run:", ""]
    lines += [f"- {name}: {'healthy' if ok else 'FAILED'} ({how})" for name, ok, how in checks]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--read-timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--no-write", action="store_true", help="print, leave the docs alone")
    parser.add_argument("--log-dir", type=Path, help="keep the servers' logs here")
    args = parser.parse_args(argv)
    args.command = "python -m benchmarks.fuzz" + (
        f" --requests {args.requests}" if args.requests != 10_000 else ""
    )
    planned = plan(args.requests, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/commerce.db"
        seed(db_url)
        overrides = isolated_env(Path(tmp), db_url)
        log_dir = args.log_dir or Path(tmp) / "log"
        stack = Stack(overrides=overrides, log_dir=log_dir, model=str(MODEL))
        stack.start(timeout_s=600)  # a loaded 2-core machine can take minutes
        try:
            env = stack.env
            desk = f"http://127.0.0.1:{env['DESK_PORT']}"
            with privacy_api(env, log_dir) as privacy:
                cookie, csrf = agent_login(desk, "ana", env["DESK_PASSWORD_ANA"])
                target = Target(
                    bases={
                        "rasa": f"http://127.0.0.1:{env['RASA_PORT']}",
                        "commerce": env["COMMERCE_API_URL"],
                        "desk": desk,
                        "privacy": privacy,
                    },
                    secrets={
                        "rasa": env["RASA_AUTH_TOKEN"],
                        "commerce": env["COMMERCE_API_TOKEN"],
                        "desk": env["DESK_API_TOKEN"],
                        "privacy": env["AFTERCARE_PRIVACY_TOKEN"],
                    },
                    agent_cookie=cookie,
                    agent_csrf=csrf,
                )
                started = time.monotonic()
                results = run(target, planned, args.workers, args.read_timeout)
                took = time.monotonic() - started
                checks = health(stack, privacy)
        finally:
            stack.stop()
    lines = report(results, checks, args)
    lines.insert(1, f"\nThe run took {took:.0f} s.")
    print("\n".join(lines))
    for name, r in sorted(results.items()):
        for example in r.examples:
            print(f"  {name}: {example}", file=sys.stderr)
    if not args.no_write:
        write_section("fuzz", ["## Malformed requests to every public endpoint", "", *lines])
    failed = any(r.server_errors or r.slow for r in results.values())
    return 1 if failed or not all(ok for _, ok, _ in checks) else 0


if __name__ == "__main__":
    raise SystemExit(main())
