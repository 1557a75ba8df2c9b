"""The sender loop: claim due outbox rows, judge them again, open the conversation, deliver.

Each claimed row goes through four steps, each safe to repeat after a crash:

1. judge again (consent and STOP, asked today, caps, quiet hours) at the moment of sending;
   a STOP texted while the message was held wins;
2. ask Rasa whether the conversation already holds this key's turn; trigger it if not;
3. note that sending begins, then deliver with the channel sender (which, when a previous
   attempt got this far, looks for what already went before sending again);
4. mark the row sent.

A sender that dies anywhere leaves its rows claimed until the lease lapses; the next claim
resumes them from the step the conversation and the channel show was reached.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping

from merchants.proactive import Channel, ProactiveSettings, zone
from proactive.rules import Decision, Outcome, Reason, decide
from proactive.senders import Outgoing, RasaConversations, Sender, SendFailed
from proactive.store import OutboxRow, ProactiveStore
from webkit.background import BackgroundLoop

logger = logging.getLogger(__name__)

UTC = dt.timezone.utc
LEASE = dt.timedelta(seconds=60)
IDLE_POLL_S = 5.0
# Pauses before another attempt after a transient failure, growing to the last.
RETRY_AFTER = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(hours=1),
)

Clock = Callable[[], dt.datetime]
OptedOut = Callable[[str], Awaitable[bool]]


def utc_now() -> dt.datetime:
    return dt.datetime.now(UTC)


async def never_opted_out(conversation_id: str) -> bool:
    return False


class Dispatcher(BackgroundLoop):
    """Delivers due outbox rows; run several (processes or hosts) against one database.

    Args:
        store: The outbox.
        settings_for: The tenant's proactive settings (None: the tenant switched it off).
        conversations: Rasa's HTTP API.
        senders: One sender per channel.
        opted_out: The channel's own consent (SMS STOP in the channel state), asked again
            just before sending so a STOP counts at once.
        clock: Now, in UTC (tests move it).
    """

    task_name = "proactive"

    def __init__(
        self,
        store: ProactiveStore,
        settings_for: Callable[[str], ProactiveSettings | None],
        conversations: RasaConversations,
        senders: Mapping[Channel, Sender],
        opted_out: OptedOut = never_opted_out,
        clock: Clock = utc_now,
        lease: dt.timedelta = LEASE,
        batch: int = 20,
    ) -> None:
        self.store = store
        self.settings_for = settings_for
        self.conversations = conversations
        self.senders = dict(senders)
        self.opted_out = opted_out
        self.clock = clock
        self.lease = lease
        self.batch = batch

    async def run_once(self) -> int:
        """Claim one batch of due rows and process each; the number claimed."""
        rows = await asyncio.to_thread(self.store.claim, self.clock(), self.lease, self.batch)
        for row in rows:
            await self.process(row)
        return len(rows)

    async def process(self, row: OutboxRow) -> None:
        """Take one claimed row as far as it can go; failures go back to the outbox."""
        try:
            await self._deliver(row)
        except SendFailed as exc:
            if exc.permanent:
                logger.warning(
                    "proactive %s: %s refused for good (%s)", row.key, row.channel.value, exc.code
                )
                await asyncio.to_thread(self.store.fail, row, exc.code)
            else:
                retry_at = self.clock() + RETRY_AFTER[min(row.attempts, len(RETRY_AFTER)) - 1]
                logger.info(
                    "proactive %s: retry at %s (%s)", row.key, retry_at.isoformat(), exc.code
                )
                await asyncio.to_thread(self.store.release, row, retry_at, exc.code)

    async def _deliver(self, row: OutboxRow) -> None:
        now = self.clock()
        verdict = await self._judge(row, now)
        if verdict.outcome is not Outcome.send:
            await asyncio.to_thread(self.store.judged_again, row, verdict, now)
            logger.info("proactive %s: %s at send time", row.key, verdict.describe())
            return
        sender = self.senders.get(row.channel)
        if sender is None:
            raise SendFailed(f"no_sender:{row.channel.value}", permanent=True)
        prior = await self.conversations.prior(row.conversation_id, row.key)
        texts = prior.texts
        if texts is None:
            refusal = sender.refusal(row.tenant, row.kind, prior, now)
            if refusal is not None:
                raise SendFailed(refusal, permanent=True)
            texts = await self.conversations.trigger(
                row.conversation_id, row.kind, row.order_id, row.detail, row.key, sender.rasa_output
            )
        if not texts and sender.rasa_output is None:
            raise SendFailed("rasa:no_response")  # the domain has no words for it (yet)
        sending_at = self.clock()
        await asyncio.to_thread(self.store.mark_sending, row, sending_at)
        await sender.send(
            Outgoing(
                key=row.key,
                tenant=row.tenant,
                kind=row.kind,
                conversation_id=row.conversation_id,
                texts=texts,
                at=sending_at,
                maybe_sent=row.maybe_sent,
                last_shopper_message=prior.last_shopper_message,
            )
        )
        if not await asyncio.to_thread(self.store.mark_sent, row, self.clock()):
            logger.warning("proactive %s: lease lapsed while sending", row.key)

    async def _judge(self, row: OutboxRow, now: dt.datetime) -> Decision:
        settings = self.settings_for(row.tenant)
        if settings is None:
            return Decision(Outcome.suppress, Reason.kind_off)
        facts = await asyncio.to_thread(self.store.facts_at_send, row, now)
        if facts.contact is not None and await self.opted_out(row.conversation_id):
            facts = dataclasses.replace(facts, opted_out=True)
        return decide(row.kind, row.not_before, now, zone(row.time_zone), settings, facts)

    # ---- running in the background --------------------------------------------------------

    async def run(self) -> None:
        """Drain due rows, then again when woken (the webhook queued a message) or at the
        latest after ``IDLE_POLL_S``; a database error waits."""
        while True:
            try:
                while await self.run_once() == self.batch:
                    pass
            except Exception:  # the database is down: keep the loop, try again later
                logger.exception("proactive: dispatch round failed")
            await self.idle(IDLE_POLL_S)
