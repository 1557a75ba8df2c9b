"""What happens to a ticket whichever desk the agent works in (console or Chatwoot).

Reply, finish (hand back or resolve), mirror a new ticket to the external desk, and copy the
waiting shopper's messages into the ticket. The console's handlers and the Chatwoot webhook
both call these, so the two desks cannot drift apart.
"""

from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web

from desk.accounts import AgentView
from desk.connectors.base import ConsoleConnector, TicketInfo
from desk.conversations import ConversationUnavailable, ShopperMessage
from desk.keys import CONNECTOR_KEY, CONVERSATIONS_KEY, SERVICE_KEY

logger = logging.getLogger(__name__)

HAND_BACK_ACTION = "action_handed_back"
RATING_FORM = "satisfaction_form"


async def send_reply(
    app: web.Application, ticket_id: int, sender_id: str, text: str, agent_name: str
) -> int:
    """Deliver an agent's message to the shopper's channel, then store it; returns its id."""
    await app[CONVERSATIONS_KEY].send(sender_id, text, agent_name)
    service = app[SERVICE_KEY]
    author = AgentView(0, "", agent_name, "", "agent")
    return await service.record_outgoing(author, ticket_id, text)


async def finish(
    app: web.Application,
    ticket_id: int,
    sender_id: str,
    *,
    resolved: bool,
    agent: AgentView | None,
) -> None:
    """Give the conversation back to the bot; after resolving, the bot asks for a rating.

    The bot resumes first; only when Rasa took the conversation back is the ticket closed, so
    a failure leaves it open for another try.
    """
    action = RATING_FORM if resolved else HAND_BACK_ACTION
    texts = await app[CONVERSATIONS_KEY].resume(sender_id, action)
    service = app[SERVICE_KEY]
    for text in texts:
        await service.record_outgoing(None, ticket_id, text, author="bot")
    await service.close(agent, ticket_id, resolved=resolved)


async def mirror(app: web.Application, ticket_id: int) -> None:
    """Hand a new ticket to the external desk, if one is configured; failures are logged."""
    connector = app[CONNECTOR_KEY]
    if isinstance(connector, ConsoleConnector):
        return
    service = app[SERVICE_KEY]
    ticket = await service.get(ticket_id)
    if ticket is None or ticket.external_ref:
        return
    body = await service.transcript(
        AgentView(0, "desk", "desk", ticket.merchant, "agent"), ticket_id
    )
    info = TicketInfo(
        ticket_id=ticket_id,
        merchant=ticket.merchant,
        sender_id=ticket.sender_id,
        reason=ticket.reason,
        priority=ticket.priority,
        summary_text=json.dumps(body["summary"], ensure_ascii=False, indent=1),
        transcript=[(m["from"], m["text"]) for m in body["transcript"]],
    )
    try:
        ref = await connector.ticket_opened(info)
    except Exception:
        logger.exception("could not mirror ticket %s to the external desk", ticket_id)
        return
    if ref:
        await service.set_external_ref(ticket_id, ref)


async def sync_ticket(app: web.Application, ticket_id: int, sender_id: str, after: float) -> None:
    """Copy what the shopper wrote while waiting into one ticket (an agent opening it)."""
    try:
        found = await app[CONVERSATIONS_KEY].shopper_messages(sender_id, after)
    except ConversationUnavailable as exc:
        logger.debug("no sync for ticket %s: %s", ticket_id, exc)
        return
    await copy_shopper_messages(app, ticket_id, found)


async def sync_open_tickets(app: web.Application) -> bool:
    """Copy what every waiting shopper wrote into their tickets: one read of the Rasa server.

    Returns whether the Rasa server was asked (not when no ticket is open). Raises
    :class:`ConversationUnavailable` when it cannot answer. A conversation has one open ticket
    at a time (``DeskService.open_ticket`` joins a second handoff to it), so each is asked for
    from its ticket's last synced message.
    """
    tickets = await app[SERVICE_KEY].open_tickets()
    if not tickets:
        return False
    afters = {sender_id: after for _, sender_id, after in tickets}
    found = await app[CONVERSATIONS_KEY].shopper_messages_of(afters)
    for ticket_id, sender_id, _ in tickets:
        await copy_shopper_messages(app, ticket_id, found.get(sender_id, []))
    return True


async def copy_shopper_messages(
    app: web.Application, ticket_id: int, found: list[ShopperMessage]
) -> None:
    """Add the messages to the ticket, and forward the new ones to the external desk."""
    if not found:
        return
    service = app[SERVICE_KEY]
    added = await service.add_shopper_messages(ticket_id, [(m.timestamp, m.text) for m in found])
    connector = app[CONNECTOR_KEY]
    if not added or isinstance(connector, ConsoleConnector):
        return
    ticket = await service.get(ticket_id)
    if ticket is None or not ticket.external_ref:
        return
    loop = asyncio.get_running_loop()
    masked = [await loop.run_in_executor(None, service.masker.mask, t) for t in added]
    try:
        await connector.shopper_wrote(ticket.external_ref, masked)
    except Exception:
        logger.exception("could not forward messages of ticket %s", ticket_id)


async def sync_forever(app: web.Application, interval_s: float) -> None:
    """Keep every open ticket's transcript current (the console also syncs on opening one).

    While the Rasa server cannot answer, the log says so once, and again when it answers.
    """
    paused = False
    while True:
        await asyncio.sleep(interval_s)
        try:
            asked = await sync_open_tickets(app)
        except ConversationUnavailable as exc:
            if not paused:
                # worded to survive the log scrubber: "Rasa" capitalised reads as a name
                logger.warning("the transcript sync is paused (%s); trying again every round", exc)
            paused = True
            continue
        except Exception:
            logger.exception("transcript sync failed; trying again")
            continue
        if paused and asked:
            logger.warning("the transcript sync is running again")
            paused = False
