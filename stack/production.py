"""Production mode on one machine: Rasa and action servers in pairs behind HAProxy, supervised.

``make run-prod`` (``python -m stack prod start``) runs what a merchant runs when one process
of each kind is not enough:

- every conversation in PostgreSQL (tracker store, backend, desk, channel state), Rasa's
  Redis lock store serialising each conversation across the Rasa instances, every event
  published to RabbitMQ;
- ``PROD_RASA_INSTANCES`` Rasa servers and ``PROD_ACTION_INSTANCES`` action servers, each on
  a port of its own, behind HAProxy on the usual ports (``RASA_PORT``, ``ACTION_PORT``), which
  checks their health every 2 s, sends nothing to one that fails three checks, and retries a
  request whose connection failed on another instance;
- all of them under supervisord: a process that dies is started again (supervisord backs off
  when it keeps dying while starting), its output goes to a log file that rotates, and
  ``make stop-prod`` (``python -m stack prod stop``) stops everything it started.

The configuration files are rendered into ``PROD_RUN_DIR`` at each start and hold no secret:
supervisord hands its own environment to every program, and the one secret on a command line
(Rasa's ``--auth-token``) is written as ``%(ENV_RASA_AUTH_TOKEN)s``, expanded by supervisord.
Secrets come only from the environment: the start refuses the public local defaults of
``stack/defaults.env`` and empty secrets (:func:`production_problems`).
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from stack.processes import ACTION_SERVER, LAUNCH, VENV_BIN
from stack.readiness import NotHealthy, every_server_up, log_tails, wait_until_healthy
from stack.settings import ROOT, point_at_each_other, stack_env

# The databases production keeps in PostgreSQL, by the variable that names each.
DATABASE_URLS = (
    "TRACKER_STORE_URL",
    "COMMERCE_DB_URL",
    "DESK_DB_URL",
    "CHANNEL_STATE_DB_URL",
    "PROACTIVE_DB_URL",
    "ANALYTICS_DB_URL",
)
SUPERVISORD = VENV_BIN / "supervisord"
SUPERVISORCTL = VENV_BIN / "supervisorctl"
# Secrets that are Fernet keys (32 bytes, URL-safe base64), not free-form tokens.
FERNET_KEYS = frozenset({"AFTERCARE_TRACKER_KEY", "DESK_TRANSCRIPT_KEY"})


class ProductionError(RuntimeError):
    """Production mode cannot start (or stop) as asked; the message says why."""


@dataclass(frozen=True)
class Topology:
    """How many instances run, and on which ports (``PROD_*`` in stack/defaults.env)."""

    rasa_port: int
    action_port: int
    rasa_instances: int
    action_instances: int
    first_rasa_port: int
    first_action_port: int
    stats_port: int
    run_dir: Path

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Topology:
        """Reads the topology; a count below one or a non-number is refused."""
        try:
            topology = cls(
                rasa_port=int(env["RASA_PORT"]),
                action_port=int(env["ACTION_PORT"]),
                rasa_instances=int(env["PROD_RASA_INSTANCES"]),
                action_instances=int(env["PROD_ACTION_INSTANCES"]),
                first_rasa_port=int(env["PROD_RASA_FIRST_PORT"]),
                first_action_port=int(env["PROD_ACTION_FIRST_PORT"]),
                stats_port=int(env["PROD_HAPROXY_STATS_PORT"]),
                run_dir=_absolute(env["PROD_RUN_DIR"]),
            )
        except (KeyError, ValueError) as exc:
            raise ProductionError(f"production topology: {exc}") from None
        if topology.rasa_instances < 1 or topology.action_instances < 1:
            raise ProductionError("PROD_RASA_INSTANCES and PROD_ACTION_INSTANCES must be ≥ 1")
        return topology

    @property
    def rasa_ports(self) -> list[int]:
        return [self.first_rasa_port + i for i in range(self.rasa_instances)]

    @property
    def action_ports(self) -> list[int]:
        return [self.first_action_port + i for i in range(self.action_instances)]

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "log"

    @property
    def supervisord_conf(self) -> Path:
        return self.run_dir / "supervisord.conf"

    @property
    def haproxy_cfg(self) -> Path:
        return self.run_dir / "haproxy.cfg"


def _absolute(path: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else ROOT / candidate


def production_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every production process: the stack's, pointed at the balancer."""
    env = stack_env(overrides)
    env["AFTERCARE_ENV"] = "production"  # no process fills a missing secret from a file
    env["RASA_TELEMETRY_ENABLED"] = "false"
    rasa = f"http://127.0.0.1:{env['RASA_PORT']}"
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    point_at_each_other(env, rasa)
    env.setdefault("RASA_CORS", "http://localhost")
    return env


def production_problems(
    env: dict[str, str], secrets: Iterable[str], defaults_in_use: list[str]
) -> list[str]:
    """Everything that makes ``env`` unfit for production, in words; empty when it is fit."""
    problems = [f"{name} is the public local default" for name in defaults_in_use]
    problems += [f"{name} is empty" for name in secrets if not env.get(name)]
    for name in DATABASE_URLS:
        if not env.get(name, "").startswith("postgresql"):
            problems.append(f"{name} must be a postgresql:// URL, not {_redacted(env.get(name))}")
    if env.get("LOCK_STORE_TYPE") != "redis" or not env.get("LOCK_STORE_URL"):
        problems.append("LOCK_STORE_TYPE=redis and LOCK_STORE_URL (the Redis host) are required")
    if env.get("EVENT_BROKER") != "pika" or not env.get("EVENT_BROKER_URL"):
        problems.append("EVENT_BROKER=pika and EVENT_BROKER_URL (the RabbitMQ host) are required")
    if not env.get("EVENT_BROKER_PASSWORD"):
        problems.append("EVENT_BROKER_PASSWORD is empty")
    return problems


def fresh_secrets(names: Iterable[str]) -> dict[str, str]:
    """A new random value for every secret, for a trial of production mode on one machine.

    Channel secrets of a real deployment come from Twilio and Meta, not from here.
    """
    return {
        name: (
            base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
            if name in FERNET_KEYS
            else secrets.token_urlsafe(32)
        )
        for name in names
    }


def _redacted(url: str | None) -> str:
    """A URL fit for an error message: its password hidden."""
    if not url:
        return "an empty value"
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: say so without echoing it
        return "a value that is not a URL"


def create_databases(env: dict[str, str]) -> list[str]:
    """Create each PostgreSQL database the URLs name when it is missing; the names created."""
    created = []
    for name in DATABASE_URLS:
        url = make_url(env[name])
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                exists = connection.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                    {"name": url.database},
                ).scalar()
                if not exists:
                    quoted = admin.dialect.identifier_preparer.quote(str(url.database))
                    connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
                    created.append(str(url.database))
        except sa.exc.OperationalError as exc:
            raise ProductionError(f"{name}: PostgreSQL refused: {exc.orig}") from None
        finally:
            admin.dispose()
    return created


def commerce_is_empty(env: dict[str, str]) -> bool:
    """True when the backend's database has no store in it yet (first start)."""
    engine = sa.create_engine(env["COMMERCE_DB_URL"])
    try:
        return not sa.inspect(engine).has_table("orders")
    finally:
        engine.dispose()


def haproxy_config(topology: Topology) -> str:
    """HAProxy in front of the Rasa and action servers (docs/operations.md, production mode).

    Any Rasa instance can take any message (shared tracker store, Redis lock), so REST turns
    go round robin; socket.io's sessions live in one instance's memory, so the web chat sticks
    to the instance that opened it through a cookie. A request whose connection failed or got
    no answer is sent to another instance (``retry-on``, ``redispatch``).
    """
    rasa = "\n".join(
        f"    server rasa{i} 127.0.0.1:{port} check cookie rasa{i}"
        for i, port in enumerate(topology.rasa_ports, 1)
    )
    actions = "\n".join(
        f"    server actions{i} 127.0.0.1:{port} check"
        for i, port in enumerate(topology.action_ports, 1)
    )
    return f"""# Rendered by stack/production.py at each start; edit that file, not this one.
global
    maxconn 1024
    # A request is retried on another instance only if it fits in one buffer; a call to the
    # action server carries the whole conversation, so buffers are 128 kB, not 16 kB.
    tune.bufsize 131072
    log stdout format raw local0 notice

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout http-request 10s
    retries 3
    option redispatch 1
    # the whole request is read before a server is chosen, so any failure below can resend it
    option http-buffer-request
    retry-on conn-failure empty-response junk-response response-timeout
    # A busy instance may take a second to answer its check; a dead one refuses at once, and
    # until it is marked down the retries above send its requests elsewhere.
    timeout check 3s
    default-server inter 2s fall 3 rise 2

frontend rasa
    bind 127.0.0.1:{topology.rasa_port}
    default_backend rasa_servers

backend rasa_servers
    balance roundrobin
    cookie AFTERCARE_RASA insert indirect nocache httponly
    # ready: the model is loaded and warm (channels/rest.py), not merely the port open
    option httpchk GET /webhooks/rest/ready
    http-check expect status 200
{rasa}

frontend actions
    bind 127.0.0.1:{topology.action_port}
    default_backend action_servers

backend action_servers
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
{actions}

frontend stats
    bind 127.0.0.1:{topology.stats_port}
    monitor-uri /health
    stats enable
    stats uri /stats
    stats refresh 5s
"""


def _program(name: str, command: str, log_dir: Path, *, stop_s: int = 15) -> str:
    """One supervisord program: restarted when it dies, its output in a rotating log."""
    return f"""
[program:{name}]
command={command}
directory={ROOT}
autostart=true
autorestart=true
startsecs=5
startretries=10
stopsignal=TERM
stopwaitsecs={stop_s}
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile={log_dir / name}.log
stdout_logfile_maxbytes=20MB
stdout_logfile_backups=5
"""


# supervisord stops its groups one after another, and a program outside any group is a group
# of its own: the eight programs stopped one by one, each only once the last had gone. Two
# groups instead, each stopped at once: first the Rasa servers, which finish the turns they are
# answering, then all they use, HAProxy included (it carries those turns' replies and their
# calls to the action servers), so no turn still being answered loses any of them.
DIALOGUE, SERVICES = "dialogue", "services"


def tier(program: str) -> str:
    """The group a program belongs to: :data:`DIALOGUE` (the Rasa servers) or :data:`SERVICES`."""
    return DIALOGUE if program.startswith("rasa-") else SERVICES


def supervised(program: str) -> str:
    """The program's name for supervisorctl (``dialogue:rasa-1``)."""
    return f"{tier(program)}:{program}"


def _groups(programs: list[str]) -> str:
    """The two groups' sections; the services start first and stop last (a lower priority)."""
    return "".join(
        f"""
[group:{group}]
programs={",".join(p for p in programs if tier(p) == group)}
priority={priority}
"""
        for group, priority in ((SERVICES, 100), (DIALOGUE, 200))
    )


def supervisord_config(topology: Topology, haproxy: str) -> str:
    """supervisord's configuration: its socket, its log, one program per server, two groups."""
    launch = " ".join(LAUNCH)
    run = topology.run_dir
    logs = topology.log_dir
    commands = {
        "commerce": f"{launch} commerce",
        "desk": f"{launch} desk",
        "proactive": f"{launch} proactive",
        **{
            f"actions-{i}": f"{launch} {' '.join(ACTION_SERVER)} --port {port}"
            for i, port in enumerate(topology.action_ports, 1)
        },
        **{
            f"rasa-{i}": f"{launch} rasa run --enable-api --auth-token=%(ENV_RASA_AUTH_TOKEN)s "
            f"--port {port} --model models --endpoints endpoints.yml "
            f"--credentials credentials.yml --cors=%(ENV_RASA_CORS)s"
            for i, port in enumerate(topology.rasa_ports, 1)
        },
        "haproxy": f"{haproxy} -db -f {topology.haproxy_cfg}",
    }
    programs = [
        _program(name, command, logs, stop_s=30 if name.startswith("rasa-") else 15)
        for name, command in commands.items()
    ]
    return f"""; Rendered by stack/production.py at each start; edit that file, not this one.
[unix_http_server]
file={run / "supervisor.sock"}
chmod=0700

[supervisord]
logfile={logs / "supervisord.log"}
logfile_maxbytes=20MB
logfile_backups=5
pidfile={run / "supervisord.pid"}
identifier=aftercare
childlogdir={logs}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{run / "supervisor.sock"}
{"".join(programs)}{_groups(list(commands))}"""


def haproxy_binary() -> str:
    """HAProxy's path (Debian's package, ``make haproxy``); a clear error when missing."""
    found = shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if os.path.exists(p)), None
    )
    if found is None:
        raise ProductionError("HAProxy is not installed: run `make haproxy`")
    return found


def supervisord_pid(topology: Topology) -> int | None:
    """The running supervisord's pid, or None when production mode is not running here."""
    try:
        pid = int((topology.run_dir / "supervisord.pid").read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def render(topology: Topology) -> None:
    """Write HAProxy's and supervisord's configurations (no secret in either)."""
    haproxy = haproxy_binary()
    topology.log_dir.mkdir(parents=True, exist_ok=True)
    topology.haproxy_cfg.write_text(haproxy_config(topology), encoding="utf-8")
    topology.supervisord_conf.write_text(supervisord_config(topology, haproxy), encoding="utf-8")
    checked = subprocess.run(
        [haproxy, "-c", "-q", "-f", str(topology.haproxy_cfg)],
        capture_output=True,
        text=True,
    )
    if checked.returncode != 0:
        raise ProductionError(f"HAProxy refused its configuration: {checked.stderr.strip()}")


def health_urls(topology: Topology, env: dict[str, str]) -> dict[str, str]:
    """What must answer before production mode counts as up, through the balancer."""
    return {
        "rasa (through HAProxy)": f"http://127.0.0.1:{topology.rasa_port}/webhooks/rest/ready",
        "action servers (through HAProxy)": f"http://127.0.0.1:{topology.action_port}/health",
        "commerce backend": f"http://127.0.0.1:{env['COMMERCE_PORT']}/health",
        "agent desk": f"http://127.0.0.1:{env['DESK_PORT']}/health",
        "proactive messages": f"http://127.0.0.1:{env['PROACTIVE_PORT']}/health",
        **{
            f"rasa-{i}": f"http://127.0.0.1:{port}/webhooks/rest/ready"
            for i, port in enumerate(topology.rasa_ports, 1)
        },
        **{
            f"actions-{i}": f"http://127.0.0.1:{port}/health"
            for i, port in enumerate(topology.action_ports, 1)
        },
    }


def supervisorctl(topology: Topology, *args: str) -> subprocess.CompletedProcess[str]:
    """Run supervisorctl against this topology's supervisord."""
    return subprocess.run(
        [str(SUPERVISORCTL), "-c", str(topology.supervisord_conf), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def start(env: dict[str, str], topology: Topology, timeout_s: float) -> None:
    """Render the configurations, start supervisord, wait until everything answers."""
    if supervisord_pid(topology) is not None:
        raise ProductionError(f"production mode already runs here ({topology.run_dir})")
    render(topology)
    started = subprocess.run(
        [str(SUPERVISORD), "-c", str(topology.supervisord_conf)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        raise ProductionError(f"supervisord did not start: {started.stderr.strip()}")
    try:
        wait_until_healthy(health_urls(topology, env), timeout_s)
        stats = f"http://127.0.0.1:{topology.stats_port}/stats;csv"
        wait_until_healthy({"every instance in HAProxy's rotation": stats}, 30, every_server_up)
    except NotHealthy as exc:
        stop(topology)
        raise ProductionError(f"{exc}{log_tails(topology.log_dir, exc.pending)}") from exc
    except ProductionError:
        stop(topology)
        raise


def stop(topology: Topology, timeout_s: float = 60) -> bool:
    """Stop supervisord and everything it runs; False when nothing was running."""
    pid = supervisord_pid(topology)
    if pid is None:
        return False
    supervisorctl(topology, "shutdown")
    deadline = time.monotonic() + timeout_s
    while supervisord_pid(topology) is not None:
        if time.monotonic() > deadline:
            raise ProductionError(f"supervisord (pid {pid}) still runs after {timeout_s:.0f} s")
        time.sleep(0.5)
    return True
