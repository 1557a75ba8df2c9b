"""``python -m stack run|shell|check|prod``: what the run, shell and *-prod targets call."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from guardrails.generation.settings import generation_settings
from guardrails.handoff.rules import load_rules
from guardrails.knowledge.faq import load_faq
from guardrails.knowledge.settings import load_settings
from guardrails.pii.config import load_config
from merchants.faq import faq_path
from merchants.policy import load_policy
from merchants.tenants import load_registry
from stack import production
from stack.processes import VENV_BIN, Stack, StackError
from stack.running import AlreadyRunning, claim
from stack.settings import DEFAULTS_FILE, ROOT, read_env_file, stack_env

BANNER = """
Aftercare is running.
  REST:       curl -s -X POST {rest} -H 'Content-Type: application/json' \\
                -d '{{"sender": "me", "message": "where is my order?"}}'
  Terminal:   make shell
  HTTP API:   http://127.0.0.1:{rasa_port}/  (token: RASA_AUTH_TOKEN, default for local use only)
  Web chat:   http://127.0.0.1:{rasa_port}/webhooks/webchat/demo/  (socket.io on /socket.io)
  SMS, Messenger webhooks: /webhooks/sms/<tenant>, /webhooks/messenger/<tenant> (docs/channels.md)
  Backend:    http://127.0.0.1:{commerce_port}/openapi.json
  Agent desk: http://127.0.0.1:{desk_port}/console  (log in as ana / dev-ana-password, local only)
  Demo orders to try: make demo-orders
  Logs:       var/log/
A server that crashes is restarted (docs/operations.md); the others keep serving.
Press Ctrl+C to stop.
"""


SECRETS = (
    "RASA_AUTH_TOKEN",
    "COMMERCE_API_TOKEN",
    "AFTERCARE_IDENTITY_SECRET",
    "AFTERCARE_CHANNEL_SECRET",
    "DESK_API_TOKEN",
    "DESK_TRANSCRIPT_KEY",
    "DESK_PASSWORD_ANA",
    "DESK_PASSWORD_SAM",
    "DESK_PASSWORD_LEE",
    "AFTERCARE_PII_PSEUDONYM_KEY",
    "AFTERCARE_TRACKER_KEY",
    "AFTERCARE_PRIVACY_TOKEN",
    "PROACTIVE_API_TOKEN",
    "METRICS_TOKEN",
    "PROACTIVE_WEBHOOK_SECRET_DEMO",
    "PROACTIVE_WEBHOOK_SECRET_OUTDOOR",
)


def secret_names() -> list[str]:
    """The stack's own secrets and every channel secret the tenants name."""
    return [*SECRETS, *load_registry().secret_env_names()]


def public_defaults_in_use(env: dict[str, str]) -> list[str]:
    """Secrets still set to the values everyone can read in stack/defaults.env."""
    defaults = read_env_file(DEFAULTS_FILE)
    return [name for name in secret_names() if env.get(name) == defaults.get(name)]


def check() -> None:
    """Fail before starting anything when configuration is broken (fail closed)."""
    env = stack_env()
    os.environ.setdefault("MERCHANT_POLICY", env["MERCHANT_POLICY"])
    policy = load_policy()
    print(f"policy ok: {policy.merchant_name}")
    os.environ.setdefault("HANDOFF_RULES", env["HANDOFF_RULES"])
    load_rules()
    print("handoff rules ok")
    faqs = {faq_path(tenant) for tenant in (None, *load_registry().tenants)}
    for path in sorted(faqs):
        load_faq(path)
    load_settings()
    print(f"faq ok: {len(faqs)} files; knowledge settings ok")
    pii = load_config()  # the PII scrubber fails closed: a broken config stops the start here
    print(f"pii config ok: {len(pii.entities)} entity types scrubbed")
    generation = generation_settings(env)  # a bad value stops the start here
    if generation.enabled:
        print(f"generation on: model {generation.model} at {generation.base_url or 'none'}")
    else:
        print("generation off: every reply is the domain's template")
    exposed = public_defaults_in_use(env)
    if exposed and env.get("AFTERCARE_ENV") == "production":
        raise SystemExit(f"refusing to start in production with public default secrets: {exposed}")
    if exposed:
        print(f"note: local-only default secrets in use ({', '.join(exposed)})")


def run() -> int:
    """Start the stack and keep it up until interrupted; refuse if one already runs here."""
    env = stack_env()
    log_dir = Path(env.get("STACK_LOG_DIR") or "var/log")
    stack = Stack(log_dir=log_dir if log_dir.is_absolute() else ROOT / log_dir)
    try:
        lock = claim(stack.env)
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        return _run_locked(stack)
    finally:
        lock.release()


def _run_locked(stack: Stack) -> int:
    check()
    print("Starting backend, agent desk, action server and Rasa server (Rasa takes a minute)...")
    try:
        stack.start(timeout_s=float(stack.env.get("STACK_START_TIMEOUT_S") or 180))
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl+C while starting: leave no server behind
        stack.stop()
        return 130
    print(
        BANNER.format(
            rest=stack.rest_url,
            rasa_port=stack.env["RASA_PORT"],
            commerce_port=stack.env["COMMERCE_PORT"],
            desk_port=stack.env["DESK_PORT"],
        ),
        flush=True,
    )
    stopping = threading.Event()

    def _stop(*_: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        # The supervisor thread restarts crashed servers (stack/processes.py); this one waits.
        while not stopping.wait(1):
            pass
    finally:
        stack.stop()
    return 0


def shell() -> int:
    """A terminal conversation against the running stack's REST channel."""
    env = stack_env()
    url = f"http://127.0.0.1:{env['RASA_PORT']}"
    return subprocess.call([str(VENV_BIN / "python"), "-m", "stack.chat", url], cwd=ROOT, env=env)


PROD_BANNER = """
Aftercare runs in production mode ({rasa} Rasa and {actions} action servers behind HAProxy).
  REST:       http://127.0.0.1:{rasa_port}/webhooks/rest/webhook
  HAProxy:    http://127.0.0.1:{stats_port}/stats
  Processes:  {ctl} -c {conf} status
  Logs:       {logs}/ (rotated by supervisord)
Stop with: make stop-prod
"""


def prod_start() -> int:
    """``make run-prod``: refuse an unfit environment, prepare PostgreSQL, start, wait."""
    env = production.production_env()
    problems = production.production_problems(env, secret_names(), public_defaults_in_use(env))
    if problems:
        print("error: refusing to start production mode:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    try:
        topology = production.Topology.from_env(env)
        check()
        created = production.create_databases(env)
        if created:
            print(f"created databases: {', '.join(created)}")
        if production.commerce_is_empty(env):
            store = env["PROD_SEED_STORE"]
            print(f"seeding the {store} store into the empty backend database")
            subprocess.run(
                [str(VENV_BIN / "python"), "-m", "commerce.seed", "--store", store],
                env=env,
                cwd=ROOT,
                check=True,
            )
        print("Starting supervisord, HAProxy and every server (Rasa takes a minute)...")
        production.start(env, topology, float(env["PROD_START_TIMEOUT_S"]))
    except (production.ProductionError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        PROD_BANNER.format(
            rasa=topology.rasa_instances,
            actions=topology.action_instances,
            rasa_port=topology.rasa_port,
            stats_port=topology.stats_port,
            ctl=production.SUPERVISORCTL,
            conf=topology.supervisord_conf,
            logs=topology.log_dir,
        )
    )
    return 0


def prod_secrets() -> int:
    """``python -m stack prod secrets``: export lines with fresh random secrets, for a trial."""
    for name, value in production.fresh_secrets(secret_names()).items():
        print(f"export {name}={value}")
    return 0


def prod_stop() -> int:
    """``make stop-prod``: stop supervisord and everything it started."""
    topology = production.Topology.from_env(production.production_env())
    try:
        stopped = production.stop(topology)
    except production.ProductionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("production mode stopped" if stopped else "production mode was not running")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m stack")
    parser.add_argument("command", choices=["run", "shell", "check", "prod"])
    parser.add_argument(
        "action", nargs="?", choices=["start", "stop", "secrets"], default="start", help="with prod"
    )
    args = parser.parse_args()
    if args.command == "check":
        check()
        return 0
    if args.command == "prod":
        return {"start": prod_start, "stop": prod_stop, "secrets": prod_secrets}[args.action]()
    return run() if args.command == "run" else shell()


if __name__ == "__main__":
    sys.exit(main())
