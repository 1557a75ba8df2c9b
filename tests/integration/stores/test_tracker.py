"""The scrubbing tracker store: nothing personal in its tables, the dialogue still works.

Built from the real ``endpoints.yml`` with Rasa's own factory, on SQLite and on PostgreSQL
(127.0.0.1:5432, a database of its own, dropped afterwards).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stack.settings import ROOT, stack_env
from stores import tracker as tracker_module
from stores.tracker import ScrubbingTrackerStore

pytestmark = pytest.mark.timeout(60)

RUN = f"aftercare_pii_{uuid.uuid4().hex[:10]}"
EMAIL = "maribel.okafor@example.net"
ADDRESS = "4417 Larkspur Terrace, Apt 9, Dayton, OH 45402"
CARD = "4539 1488 0343 6467"
NAME = "Maribel Okafor"
PHONE = "+1 937-555-0148"
TRACKING = "9400111202555842332669"
PLANTED = [EMAIL, "maribel.okafor", "Larkspur", CARD, "0343 6467", NAME, "Okafor", "555-0148"]


def shopper_turns(domain: Domain, sender_id: str) -> DialogueStateTracker:
    """A conversation that plants a name, e-mail, phone, card and a new address."""
    text = f"hi, I'm {NAME}, my email is {EMAIL} and my card {CARD} was charged twice"
    return DialogueStateTracker.from_events(
        sender_id,
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
            UserUttered(
                text,
                intent={"name": "order_status", "confidence": 0.9},
                entities=[
                    {"entity": "email", "value": EMAIL, "start": text.index(EMAIL),
                     "end": text.index(EMAIL) + len(EMAIL)},
                    {"entity": "order_id", "value": "AC-104233", "start": 0, "end": 0},
                ],
                parse_data={"text": text, "intent": {"name": "order_status", "confidence": 0.9},
                            "entities": []},
            ),
            SlotSet("order_verified", EMAIL),
            SlotSet("order_id", "AC-104233"),
            BotUttered(f"Order AC-104233 is in transit, tracking number {TRACKING}."),
            UserUttered(f"ship it to {ADDRESS} instead, call {PHONE} if needed",
                        intent={"name": "change_address", "confidence": 0.9}),
            SlotSet("new_address", ADDRESS),
            SlotSet("cancel_reason", f"moving to {ADDRESS}"),
            BotUttered(f"I'll change the address to {ADDRESS}. Shall I?"),
        ],
        slots=domain.slots,
    )  # fmt: skip


def stored_rows(store: ScrubbingTrackerStore, sender_id: str) -> str:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender_id}
        ).fetchall()
    return "\n".join(r[0] for r in rows)


async def test_saved_events_hold_no_personal_value(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    raw = stored_rows(store, sender_id)
    assert raw.count('"event"') == 11
    for value in PLANTED:
        assert value not in raw, value
    assert "AC-104233" in raw and TRACKING in raw  # order ids and tracking numbers intact
    assert "<PERSON>" in raw and "<STREET_ADDRESS>" in raw and "<EMAIL_ADDRESS" in raw
    assert "**** **** **** 6467" in raw


async def test_the_dialogue_gets_back_the_slots_it_still_needs(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    tracker = await store.retrieve(sender_id)
    assert tracker is not None
    assert tracker.get_slot("new_address") == ADDRESS
    assert tracker.get_slot("order_verified") == EMAIL
    assert tracker.get_slot("order_id") == "AC-104233"
    assert NAME not in (tracker.latest_message.text or "")  # free text is gone for good
    assert "Larkspur" not in str(tracker.get_slot("cancel_reason"))


async def test_next_turn_appends_only_its_own_events(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    turn = await store.retrieve(sender_id)
    assert turn is not None
    turn.update(SlotSet("new_address", None))
    turn.update(BotUttered("Done. Anything else?"))
    await store.save(turn)
    raw = stored_rows(store, sender_id)
    assert raw.count('"event"') == 13
    full = await store.retrieve_full_tracker(sender_id)
    assert full is not None and full.get_slot("new_address") is None


def indexed_columns(engine: sa.engine.Engine, sender_id: str) -> list[tuple[object, ...]]:
    """Each stored row's columns besides its data: what Rasa's queries and indexes read."""
    query = sa.text(
        "SELECT type_name, timestamp, intent_name, action_name FROM events"
        " WHERE sender_id = :s ORDER BY id"
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query, {"s": sender_id})]


async def test_each_row_gets_the_columns_rasas_own_store_writes(
    store: ScrubbingTrackerStore, domain: Domain, tmp_path: Path
) -> None:
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    tracker = shopper_turns(domain, sender_id)
    tracker.update(ActionExecuted("action_check_order"))
    rasas = SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    await rasas.save(tracker)
    await store.save(tracker)
    ours = indexed_columns(store.engine, sender_id)
    assert ours == indexed_columns(rasas.engine, sender_id)
    assert ("user", "order_status", None) in {(t, i, a) for t, _, i, a in ours}
    assert ("action", None, "action_check_order") in {(t, i, a) for t, _, i, a in ours}


async def test_when_the_key_changes_then_encrypted_slots_are_forgotten_not_leaked(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    store.protector.fernet = Fernet(Fernet.generate_key())
    tracker = await store.retrieve(sender_id)
    assert tracker is not None
    assert tracker.get_slot("new_address") is None


async def test_when_the_tracker_key_is_missing_then_the_store_refuses_to_start(
    domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guardrails.pii import PiiConfigError

    monkeypatch.delenv("AFTERCARE_TRACKER_KEY")
    with pytest.raises(PiiConfigError, match="AFTERCARE_TRACKER_KEY"):
        ScrubbingTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 't.db'}")


async def test_a_rejected_answer_to_a_form_question_leaves_no_trace(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    """The order-number question answered with an address, a card and an IBAN, in turn.

    The form's text mapping fills ``order_id`` with each whole message before the validator
    rejects it; neither the store nor the dialogue's next turn may see any of them.
    """
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    answers = [
        "I live at 27 Rue de la Paix, Apt 12, 75002 Paris",
        f"my card is {CARD}",
        "IBAN DE89 3704 0044 0532 0130 00",
    ]
    tracker = DialogueStateTracker.from_events(
        sender_id,
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
        slots=domain.slots,
    )
    await store.save(tracker)
    for answer in answers:
        tracker = await store.retrieve(sender_id)
        assert tracker is not None
        for event in (
            UserUttered(answer, intent={"name": "inform", "confidence": 0.5}),
            SlotSet("order_id", answer),  # the text mapping
            SlotSet("satisfaction_rating", answer),  # and any other slot, listed or not
            SlotSet("order_id", None),  # the validator's verdict
            SlotSet("requested_slot", "order_id"),
            BotUttered("That doesn't look like an order number."),
        ):
            tracker.update(event)
        await store.save(tracker)
    raw = stored_rows(store, sender_id)
    for planted in ["Rue de la Paix", "75002", "1488 0343", "3704 0044", "0532 0130"]:
        assert planted not in raw, planted
    assert '"requested_slot", "value": "order_id"' in raw  # what the dialogue needs stays
    loaded = await store.retrieve(sender_id)
    assert loaded is not None and loaded.get_slot("order_id") is None


async def test_a_conversation_id_that_is_not_utf8_fails_its_request_not_the_server(
    store: ScrubbingTrackerStore,
) -> None:
    with pytest.raises(UnicodeEncodeError):  # Rasa's own session scope calls sys.exit here
        await store.retrieve("fuzz-\ud800")
    assert await store.retrieve(f"fresh-{uuid.uuid4().hex[:8]}") is None  # the store still works


def another_instance(domain: Domain) -> ScrubbingTrackerStore:
    """A second Rasa instance's store on the same database (production mode runs several)."""
    built = TrackerStore.create(
        read_endpoints_from_path(ROOT / "endpoints.yml").tracker_store, domain=domain
    )
    assert isinstance(built, ScrubbingTrackerStore)
    return built


def a_turn(tracker: DialogueStateTracker, text: str) -> DialogueStateTracker:
    for event in [
        ActionExecuted("action_listen"),
        UserUttered(text, intent={"name": "greet", "confidence": 0.9}),
        BotUttered("Hi! How can I help?"),
    ]:
        tracker.update(event)
    return tracker


def stored_texts(store: ScrubbingTrackerStore, sender_id: str) -> list[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": sender_id},
        ).fetchall()
    return [r[0] for r in rows]


async def test_a_save_after_another_instance_stored_turns_stores_only_its_own_events(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    other = another_instance(domain)
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    assert await store.retrieve(sender_id) is not None  # this instance caches the session
    theirs = await other.retrieve(sender_id)
    assert theirs is not None
    await other.save(a_turn(theirs, "hello again"))  # 3 rows this instance has not read

    await store.save(a_turn(theirs, "and again"))

    assert len(stored_texts(store, sender_id)) == 11 + 3 + 3
    other.engine.dispose()


async def test_a_save_after_another_instance_began_a_new_session_counts_from_it(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    other = another_instance(domain)
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    assert await store.retrieve(sender_id) is not None
    theirs = await other.retrieve(sender_id)
    assert theirs is not None
    for event in [ActionExecuted("action_session_start"), SessionStarted()]:
        theirs.update(event)
    await other.save(a_turn(theirs, "back after a week"))
    new_session = await other.retrieve(sender_id)
    assert new_session is not None and len(new_session.events) == 4

    await store.save(a_turn(new_session, "one more thing"))

    assert len(stored_texts(store, sender_id)) == 11 + 5 + 3
    other.engine.dispose()


async def test_a_save_after_the_conversation_was_erased_stores_the_new_one_whole(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    assert await store.retrieve(sender_id) is not None
    with store.engine.begin() as conn:  # what the privacy service's erasure does
        conn.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": sender_id})

    fresh = DialogueStateTracker.from_events(
        sender_id, [ActionExecuted("action_session_start"), SessionStarted()], domain.slots
    )
    await store.save(a_turn(fresh, "hi"))

    assert len(stored_texts(store, sender_id)) == 5


async def test_the_user_events_after_a_time_are_the_later_messages_of_that_conversation_only(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    """What the desk copies into a waiting shopper's ticket (stores/shopper_messages.py)."""
    sender_id, other = (f"{RUN}-{uuid.uuid4().hex[:6]}" for _ in range(2))
    start = 1_700_000_000.0
    events = [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start),
        ActionExecuted("action_listen", timestamp=start),
        UserUttered("where is my parcel?", timestamp=start + 1),
        BotUttered("A person will take over.", timestamp=start + 2),
        # a new session (the shopper came back later): the desk still gets every message
        ActionExecuted("action_session_start", timestamp=start + 2.5),
        SessionStarted(timestamp=start + 2.5),
        UserUttered(f"hello? I'm {NAME}, card {CARD}", timestamp=start + 3),
        ActionExecuted("action_listen", timestamp=start + 4),
        UserUttered("still waiting", timestamp=start + 5),
    ]
    await store.save(DialogueStateTracker.from_events(sender_id, events, slots=domain.slots))
    await store.save(
        DialogueStateTracker.from_events(other, [UserUttered("not mine", timestamp=start + 9)])
    )

    later = (await store.user_events_after({sender_id: start + 1}))[sender_id]

    assert [(e["event"], e["timestamp"]) for e in later] == [
        ("user", start + 3),
        ("user", start + 5),
    ]
    assert later[1]["text"] == "still waiting"
    assert CARD not in later[0]["text"] and NAME not in later[0]["text"]  # as stored: scrubbed
    everything = (await store.user_events_after({sender_id: 0}))[sender_id]
    assert [e["timestamp"] for e in everything] == [start + 1, start + 3, start + 5]
    assert everything[0]["text"] == "where is my parcel?"
    assert await store.user_events_after({sender_id: start + 5}) == {sender_id: []}
    assert await store.user_events_after({f"{RUN}-nobody": 0}) == {f"{RUN}-nobody": []}


async def test_one_read_gives_each_conversation_its_messages_after_its_own_time(
    store: ScrubbingTrackerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk's sync round: every open ticket at once, more than one query's worth."""
    monkeypatch.setattr(tracker_module, "CONVERSATIONS_PER_QUERY", 2)
    start = 1_700_000_000.0
    senders = [f"{RUN}-{uuid.uuid4().hex[:6]}" for _ in range(5)]
    for n, sender in enumerate(senders):
        events = [UserUttered(f"message {i} of {n}", timestamp=start + i) for i in range(4)]
        await store.save(DialogueStateTracker.from_events(sender, events))
    afters = {sender: start + n % 4 - 0.5 for n, sender in enumerate(senders)}
    afters[f"{RUN}-nobody"] = 0

    found = await store.user_events_after(afters)

    assert {sender: [e["text"] for e in events] for sender, events in found.items()} == {
        senders[0]: ["message 0 of 0", "message 1 of 0", "message 2 of 0", "message 3 of 0"],
        senders[1]: ["message 1 of 1", "message 2 of 1", "message 3 of 1"],
        senders[2]: ["message 2 of 2", "message 3 of 2"],
        senders[3]: ["message 3 of 3"],
        senders[4]: ["message 0 of 4", "message 1 of 4", "message 2 of 4", "message 3 of 4"],
        f"{RUN}-nobody": [],
    }


async def test_when_the_database_is_gone_the_desk_gets_a_503_to_try_again(
    domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rasa.server

    from stores.shopper_messages import read

    folder = tmp_path / "db"
    folder.mkdir()
    for key, value in stack_env({"EVENT_BROKER": "none"}).items():
        monkeypatch.setenv(key, value)
    store = ScrubbingTrackerStore(domain=domain, host=f"sqlite:///{folder / 'tracker.db'}")
    await store.save(DialogueStateTracker.from_events("shopper", [UserUttered("hello?")]))
    assert [m["text"] for m in (await read(store, {"shopper": 0}))["shopper"]] == ["hello?"]
    store.engine.dispose()
    (folder / "tracker.db").unlink()
    folder.rmdir()

    with pytest.raises(rasa.server.ErrorResponse) as refused:
        await read(store, {"shopper": 0})

    assert refused.value.status == 503
    assert "try again" in refused.value.error_info["message"]
