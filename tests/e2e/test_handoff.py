"""Human handoff over REST on the running stack: bot → person → bot, and who may see what."""

from __future__ import annotations

import time
from typing import Any

import requests

from stack.processes import Stack
from tests.e2e.conftest import Chat
from tests.e2e.desk import Agent, desk_url, hand_off, poll
from tests.e2e.test_problems import find_delivered


def agent(stack: Stack, name: str = "ana") -> Agent:
    return Agent.login(stack, name, stack.env[f"DESK_PASSWORD_{name.upper()}"])


def wait_for_transcript(ana: Agent, ticket_id: int, text: str) -> dict[str, Any]:
    """The ticket once the shopper's waiting message reached it (the desk syncs it)."""
    deadline = time.monotonic() + 15
    while True:
        detail: dict[str, Any] = ana.get(f"/api/agent/tickets/{ticket_id}").json()
        if any(m["from"] == "shopper" and text in m["text"] for m in detail["transcript"]):
            return detail
        assert time.monotonic() < deadline, detail["transcript"]
        time.sleep(0.5)


def person_then_bot(
    stack: Stack,
    chat: Chat,
    handoff: dict[str, Any],
    reason: str,
    order_in_focus: str | None = None,
) -> None:
    """The loop every handoff shares: queue → claim → reply → shopper reads it → hand back.

    ``order_in_focus`` is the order the conversation was about before the person took over:
    the bot, back, still knows it; without one it asks for the order number.
    """
    ana = agent(stack)
    queued = {t["ticket_id"]: t for t in ana.queue()}
    ticket_id = handoff["ticket_id"]
    assert ticket_id in queued and queued[ticket_id]["reason"] == reason
    # The bot is paused: what the shopper writes now is recorded for the agent, not answered.
    assert chat.say("hello? is anyone there") == []
    wait_for_transcript(ana, ticket_id, "is anyone there")
    assert ana.post(f"/api/agent/tickets/{ticket_id}/claim").status_code == 200
    sent = ana.post(f"/api/agent/tickets/{ticket_id}/reply", {"text": "Hi, Ana here. Looking now."})
    assert sent.status_code == 201, sent.text
    received = poll(handoff)
    assert [m["text"] for m in received] == ["Hi, Ana here. Looking now."]
    assert received[0]["agent"] == "Ana Reyes"
    assert ana.post(f"/api/agent/tickets/{ticket_id}/handback").status_code == 200
    back = poll(handoff, after=received[-1]["id"])
    assert "back with the assistant" in back[0]["text"]
    # The bot answers again, with its context.
    reply = chat.text("where is my order?")
    if order_in_focus is None:
        assert "order number" in reply.lower()
    else:
        assert order_in_focus in reply and "order number" not in reply.lower()
    assert ticket_id not in {t["ticket_id"] for t in ana.queue()}


def test_when_shopper_asks_for_a_person_then_an_agent_answers_and_hands_back(
    stack: Stack, chat: Chat
) -> None:
    replies = chat.say("can I talk to a real person please")
    text = " ".join(m.get("text", "") for m in replies)
    assert "number 1 in the queue" in text or "in the queue" in text
    handoff = next(m["custom"]["handoff"] for m in replies if m.get("custom"))
    person_then_bot(stack, chat, handoff, "asked_for_person")


def test_when_bot_fails_to_understand_twice_then_a_person_takes_over(
    stack: Stack, chat: Chat
) -> None:
    assert "another way" in chat.text("blorp zzkk")
    handoff = hand_off(chat, "flibber jabber wocky")
    person_then_bot(stack, chat, handoff, "nlu_fallbacks")


def test_when_a_claim_is_above_the_threshold_then_a_person_takes_it_from_the_ticket(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order, email = find_delivered(stack, demo_orders, cheap=False, skip=1)
    chat.text(f"order {order['order_id']} says delivered but i never got it")
    handoff = hand_off(chat, email)
    ana = agent(stack)
    detail = ana.get(f"/api/agent/tickets/{handoff['ticket_id']}").json()
    assert detail["summary"]["verified_order"] == order["order_id"]
    assert detail["priority"] > 30  # a claim outranks a plain "a person please"
    person_then_bot(stack, chat, handoff, "claim_above_threshold", order["order_id"])


def test_when_agent_resolves_then_the_shopper_rates_and_the_rating_is_stored(
    stack: Stack, chat: Chat
) -> None:
    handoff = hand_off(chat, "I want to speak to a human")
    ana = agent(stack)
    ticket_id = handoff["ticket_id"]
    ana.post(f"/api/agent/tickets/{ticket_id}/claim")
    assert ana.post(f"/api/agent/tickets/{ticket_id}/resolve").status_code == 200
    asked = poll(handoff)
    assert "1 (poor) to 5 (great)" in asked[-1]["text"]
    assert "Thank you for the rating" in chat.text("4")
    closed = agent(stack, "sam").get(f"/api/agent/tickets/{ticket_id}").json()
    assert closed["status"] == "resolved" and closed["rating"] == 4


def test_when_shopper_threatens_legal_action_mid_flow_then_a_person_takes_over(
    stack: Stack, chat: Chat
) -> None:
    chat.text("where is my order")
    handoff = hand_off(chat, "forget it, I'm calling my lawyer and I will sue you")
    detail = agent(stack).get(f"/api/agent/tickets/{handoff['ticket_id']}").json()
    assert detail["reason"] == "legal_threat" and detail["priority"] == 90


def test_transcript_is_masked_unless_a_supervisor_reveals_it_and_the_reveal_is_audited(
    stack: Stack, chat: Chat
) -> None:
    handoff = hand_off(chat, "please get me a human, my email is jane.doe@example.com")
    ticket = f"/api/agent/tickets/{handoff['ticket_id']}"
    ana, sam = agent(stack), agent(stack, "sam")
    masked = " ".join(m["text"] for m in ana.get(ticket).json()["transcript"])
    assert "jane.doe@example.com" not in masked and "@" not in masked
    assert ana.post(f"{ticket}/reveal").status_code == 403  # an agent may not
    revealed = sam.post(f"{ticket}/reveal").json()
    assert any("jane.doe@example.com" in m["text"] for m in revealed["transcript"])
    entries = sam.get("/api/agent/audit").json()["entries"]
    assert entries[0]["agent"] == "sam" and entries[0]["ticket_id"] == handoff["ticket_id"]


# ---- who may do what -----------------------------------------------------------------------
def test_without_a_login_neither_the_console_nor_the_agent_api_answers(stack: Stack) -> None:
    base = desk_url(stack)
    page = requests.get(f"{base}/console", allow_redirects=False, timeout=10)
    assert page.status_code == 302 and page.headers["Location"] == "/login"
    for path in ("/api/agent/tickets", "/api/agent/me", "/api/agent/tickets/1"):
        assert requests.get(f"{base}{path}", timeout=10).status_code == 401
    assert requests.post(f"{base}/api/agent/tickets/1/claim", timeout=10).status_code == 401
    assert requests.post(f"{base}/api/bot/tickets", json={}, timeout=10).status_code == 401


def test_a_wrong_password_does_not_log_in(stack: Stack) -> None:
    base = desk_url(stack)
    form = requests.get(f"{base}/login", timeout=10)
    resp = requests.post(
        f"{base}/login",
        data={"csrf": "x", "username": "ana", "password": "wrong"},
        allow_redirects=False,
        timeout=10,
    )
    assert resp.status_code in (401, 403) and "desk_session" not in resp.headers.get(
        "Set-Cookie", ""
    )
    assert form.status_code == 200


def test_an_agent_cannot_read_or_touch_another_merchants_tickets(stack: Stack, chat: Chat) -> None:
    handoff = hand_off(chat, "human please")
    ticket = f"/api/agent/tickets/{handoff['ticket_id']}"
    lee = agent(stack, "lee")  # an agent of the tau-bench merchant
    assert handoff["ticket_id"] not in {t["ticket_id"] for t in lee.queue()}
    assert lee.get(ticket).status_code == 404
    assert lee.post(f"{ticket}/claim").status_code == 404
    assert lee.post(f"{ticket}/reply", {"text": "hi"}).status_code == 404


def test_a_change_with_a_wrong_csrf_token_is_rejected(stack: Stack, chat: Chat) -> None:
    handoff = hand_off(chat, "talk to an agent")
    ana = agent(stack)
    claim = f"/api/agent/tickets/{handoff['ticket_id']}/claim"
    assert ana.post(claim, csrf="not-the-token").status_code == 403
    assert ana.post(claim, csrf="").status_code == 403
    assert ana.get(f"/api/agent/tickets/{handoff['ticket_id']}").json()["status"] == "queued"


def test_bad_requests_get_a_clear_4xx(stack: Stack, chat: Chat) -> None:
    handoff = hand_off(chat, "get me a human")
    ana = agent(stack)
    ticket = f"/api/agent/tickets/{handoff['ticket_id']}"
    assert ana.post(f"{ticket}/reply", {"text": "x"}).status_code == 409  # not claimed yet
    ana.post(f"{ticket}/claim")
    empty = ana.post(f"{ticket}/reply", {"text": "   "})
    assert empty.status_code == 422 and "text" in empty.json()["error"]["message"]
    assert ana.get("/api/agent/tickets/not-a-number").status_code == 404
    assert ana.get(f"/api/agent/tickets/{10**30}").status_code == 404
    assert ana.post(f"{ticket}/assign", {"agent": "lee"}).status_code == 404  # other merchant
    wrong_token = requests.get(
        handoff["poll_url"], headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert wrong_token.status_code == 401
    huge = requests.get(
        handoff["poll_url"],
        params={"after": str(10**30)},
        headers={"Authorization": f"Bearer {handoff['token']}"},
        timeout=10,
    )
    assert huge.status_code == 422


def test_an_agent_can_give_a_ticket_to_a_colleague_of_the_same_merchant(
    stack: Stack, chat: Chat
) -> None:
    handoff = hand_off(chat, "speak to a manager please")
    ana, sam = agent(stack), agent(stack, "sam")
    ticket = f"/api/agent/tickets/{handoff['ticket_id']}"
    assert ana.post(f"{ticket}/assign", {"agent": "sam"}).json()["assignee"] == "sam"
    assert ana.post(f"{ticket}/reply", {"text": "hi"}).status_code == 409  # it is Sam's now
    assert sam.post(f"{ticket}/reply", {"text": "Sam here, a manager."}).status_code == 201
    assert poll(handoff)[0]["agent"] == "Sam Okafor"
