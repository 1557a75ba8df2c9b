"""``make bench-tau``: how many τ-bench-style retail tasks the assistant completes.

Tasks are drawn (seeded) from the τ-bench store data: cancel a pending order with a reason,
modify a pending order's address, payment method or items, return a delivered item to the
original payment method, exchange a delivered item for another option, and ask for an
order's status. Each task is played over REST against the whole stack on a fresh τ-bench
store by a scripted shopper who answers the bot's questions from the task's goal (and says
nothing the bot did not ask for, apart from the opening request). Afterwards the backend's
state is compared with the end state the τ-bench rules define for that task, and every other
order of the shopper must be unchanged. A task counts as completed only when all checks
hold; the report lists each failure with its reason.

The store is reseeded for each run, so the numbers are reproducible with the same seed.
The tasks and their checks are in `benchmarks.tau_goals`; this module plays them as the
scripted shopper and writes the report.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

import requests

from benchmarks.report import write_section
from benchmarks.tau_backend import Backend, Task
from benchmarks.tau_goals import KINDS, TAU_DATA, build_tasks
from stack.isolated import isolated_env, seed_store
from stack.processes import Stack
from stack.settings import ROOT

MODEL = ROOT / "models" / "aftercare.tar.gz"
POLICY = ROOT / "data" / "policy" / "tau-bench.yml"
SECTION = "## τ-bench task completion"
MAX_TURNS = 14
UNSUPPORTED = (
    (
        "a refund to a gift card for a shopper with two or more gift cards",
        "the credit goes to the first gift card; the dialogue does not ask which one",
    ),
    (
        "cancel with a reason other than 'no longer needed' or 'ordered by mistake'",
        "τ-bench allows only those two; any other answer is recorded as 'other' here",
    ),
    (
        "listing every product type of the shop (`list_all_product_types`)",
        "the assistant answers about a product the shopper names, not the whole catalogue",
    ),
    (
        "changing only part of a line's quantity, or items across two products",
        "τ-bench forbids both; the assistant refuses them",
    ),
)


# --- the scripted shopper -------------------------------------------------------------


def shopper_answer(task: Task, bot: str) -> str | None:
    """What the shopper says to the bot's latest message; None when the talk is over."""
    user = task.user
    said = bot.lower()
    if "confirm who you are" in said or "couldn't find an account" in said:
        if task.by_email:
            return str(user["email"])
        name = f"{user['name']['first_name']} {user['name']['last_name']}"
        return f"{name}, {user['address']['zip']}"
    if "what's your order number" in said or "which order" in said or "which of your" in said:
        return task.order_id
    if "why you'd like to cancel" in said:
        return task.answers.get("reason")
    if (
        "new delivery address" in said
        or "new default address" in said
        or "couldn't read that as a us address" in said
    ):
        return task.answers.get("address")
    if "which item" in said:
        return task.answers.get("item")
    if "reason for the return" in said:
        return "it's not what I expected"
    if "how would you like it settled" in said:
        return task.answers.get("resolution")
    if "what should change" in said or "which option would you like instead" in said:
        return task.answers.get("options")
    if "which payment method" in said or "pick another payment method" in said:
        return task.answers.get("method")
    if "shall i" in said:
        return "yes"
    if "which one do you mean" in said:
        return task.answers.get("product")
    return None


def play(task: Task, rest_url: str) -> str:
    """Play the task; returns everything the bot said."""
    sender = f"tau-{uuid.uuid4().hex[:10]}"
    message: str | None = task.opening
    transcript = []
    for _ in range(MAX_TURNS):
        if message is None:
            break
        resp = requests.post(rest_url, json={"sender": sender, "message": message}, timeout=60)
        resp.raise_for_status()
        bot = "\n".join(m.get("text", "") for m in resp.json())
        task.log.append((message, bot))
        transcript.append(bot)
        message = shopper_answer(task, bot)
    return "\n".join(transcript)


def run_task(task: Task, backend: Backend, rest_url: str) -> list[str]:
    """Play one task and return what is wrong with the end state (empty: completed)."""
    customer = backend.get("customers", email=task.user["email"])["customer_id"]
    others_before = {
        o: backend.order(o)
        for o in task.user["orders"]
        if o != task.order_id and o not in task.touches
    }
    before = backend.order(task.order_id)
    reply = play(task, rest_url)
    after = backend.order(task.order_id)
    problems = task.check(before, after, reply)
    for order_id, snapshot in others_before.items():
        if backend.order(order_id) != snapshot:
            problems.append(f"another order of the shopper changed: {order_id}")
    if after["customer_id"] != customer:
        problems.append("the order changed hands")
    if task.kind in ("order_status", "product_question") and after != before:
        problems.append(f"a question ({task.kind}) changed the order")
    return problems


# --- the run and the report -----------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-report", action="store_true", help="print only")
    args = parser.parse_args()
    if not MODEL.exists():
        print(f"no trained model at {MODEL}: run `make train` first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="tau-bench-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'tau.db'}"
        seed_store(db_url, "--store", "tau-bench", "--data-dir", str(TAU_DATA))
        overrides = isolated_env(Path(tmp), db_url, MERCHANT_POLICY=str(POLICY))
        with Stack(overrides=overrides, log_dir=Path(tmp) / "log", model=str(MODEL)) as stack:
            backend = Backend(stack.env["COMMERCE_API_URL"], stack.env["COMMERCE_API_TOKEN"])
            tasks = build_tasks(backend, args.per_kind, args.seed)
            results = [(task, run_task(task, backend, stack.rest_url)) for task in tasks]
    report = render(results, args)
    print(report)
    if not args.no_report:
        write_section("tau-tasks", report.rstrip("\n").split("\n"))
    return 0


def render(results: list[tuple[Task, list[str]]], args: argparse.Namespace) -> str:
    """The markdown section: completion per kind, each failure, and what is not supported."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    done = sum(1 for _, problems in results if not problems)
    lines = [
        SECTION,
        "",
        f"Measured {when} by `make bench-tau` (`python -m benchmarks.tau_tasks --per-kind "
        f"{args.per_kind} --seed {args.seed}`) on a freshly seeded τ-bench store with "
        "`data/policy/tau-bench.yml`. A scripted shopper answers the bot's questions from the "
        "task's goal over REST; a task counts only if the backend's end state is the one "
        "τ-bench's rules define and no other order of the shopper changed. Half the shoppers "
        "identify by e-mail, half by full name and ZIP.",
        "",
        "| task kind | completed | rate |",
        "|---|---|---|",
    ]
    for kind in KINDS:
        mine = [problems for task, problems in results if task.kind == kind]
        ok = sum(1 for problems in mine if not problems)
        rate = f"{100 * ok / len(mine):.0f} %" if mine else "n/a"
        lines.append(f"| {kind} | {ok} / {len(mine)} | {rate} |")
    total = f"{100 * done / len(results):.0f} %" if results else "n/a"
    lines.append(f"| **all** | **{done} / {len(results)}** | **{total}** |")
    failures = [(task, problems) for task, problems in results if problems]
    lines += ["", "Failures:" if failures else "Failures: none.", ""]
    for task, problems in failures:
        last = task.log[-1] if task.log else ("", "")
        lines.append(
            f"- {task.kind} {task.order_id}: {'; '.join(problems)}. Last turn: shopper "
            f"“{last[0][:80]}”, bot “{' '.join(last[1].split())[:160]}”"
        )
    lines += ["", "τ-bench operations not supported in chat, and why:", ""]
    lines += [f"- {what}: {why}." for what, why in UNSUPPORTED]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
