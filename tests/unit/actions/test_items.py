"""Which items of an order the shopper means, in their own words, typos and all."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.changes
import actions.problems
import actions.returns
import actions.support
from actions.items import NoMatch, Picked, Resolution, Tie, resolve_answer, resolve_items
from actions.problems import ActionAskProblemItems, ValidateDeliveryProblemForm
from actions.returns import ActionAskReturnItems, ValidateReturnForm
from actions.services.commerce import Order, OrderLine


def _line(line_id: int, name: str, category: str = "", **options: str) -> OrderLine:
    return OrderLine(
        line_id=line_id,
        product_id=f"P-{name}",
        sku=f"SKU-{line_id}",
        product_name=name,
        category=category or name.lower().replace(" ", "_").replace("-", "_"),
        options={key.replace("_", " "): value for key, value in options.items()},
        quantity=1,
        unit_price=20.0,
        final_sale=False,
    )


# An order in the τ-bench store's words: two smart products, two lines of one T-Shirt.
TAU = [
    _line(1, "Smart Watch", color="black", band_material="silicone", display="AMOLED"),
    _line(2, "Smart Thermostat", compatibility="Apple HomeKit", color="black"),
    _line(3, "T-Shirt", color="red", size="L", material="cotton", style="crew neck"),
    _line(4, "T-Shirt", color="blue", size="M", material="cotton", style="crew neck"),
    _line(5, "Water Bottle", capacity="1000ml", material="glass", color="blue"),
    _line(6, "Hiking Boots", size="10", material="leather", waterproof="yes"),
]
# An order in the demo store's words: a brand shared by two products, a type per category.
DEMO = [
    _line(11, "Alpine Sun Hoodie", "tops", color="gray", size="M"),
    _line(12, "Alpine Performance Tee", "tops", color="lime", size="XL"),
    _line(13, "Glacier Enamel Mug", "kitchen", color="black"),
    _line(14, "Meadow Insulated Water Bottle", "kitchen", capacity="32 oz", color="black"),
]
KETTLES = [
    _line(21, "Electric Kettle", capacity="1L", material="glass", color="white"),
    _line(22, "Tea Kettle", material="ceramic", capacity="2 liters"),
    _line(23, "Wristwatch", strap_material="metal", dial_color="white"),
    _line(24, "Smart Watch", color="gold", band_material="leather"),
]


def _ids(result: Resolution) -> tuple[int, ...]:
    assert isinstance(result, Picked), result
    return result.line_ids


@pytest.mark.parametrize(
    ("typed", "lines", "meant"),
    [
        # one item, by its name, its last word, its type or a brand word only it has
        ("I want to return the water bottle", TAU, (5,)),
        ("the boots", TAU, (6,)),
        ("the hoodie please", DEMO, (11,)),
        ("my enamel mug", DEMO, (13,)),
        ("the Glacier one", DEMO, (13,)),
        # a word several lines share does not win alone: the distinctive word decides
        ("the smart watch", TAU, (1,)),
        ("smart thermostat", TAU, (2,)),
        ("the Alpine tee", DEMO, (12,)),
        ("the alpine hoodie", DEMO, (11,)),
        ("the black water bottle", DEMO, (14,)),
        ("the electric kettle", KETTLES, (21,)),
        ("the tea kettle", KETTLES, (22,)),
        # two lines of one product, told apart by an option
        ("the red one", TAU, (3,)),
        ("the large t-shirt", TAU, (3,)),
        ("the t-shirt in size M", TAU, (4,)),
        ("blue tshirt", TAU, (4,)),
        ("the tee in red", TAU, (3,)),
        ("the 1000 ml bottle", TAU, (5,)),
        # typos and plurals
        ("the hodie", DEMO, (11,)),
        ("watter botle", TAU, (5,)),
        ("the thermostta", TAU, (2,)),
        ("hikking boot", TAU, (6,)),
        ("the mugs", DEMO, (13,)),
    ],
)
def test_one_item_named_in_free_text_is_picked(
    typed: str, lines: list[OrderLine], meant: tuple[int, ...]
) -> None:
    assert _ids(resolve_items(typed, lines)) == meant


@pytest.mark.parametrize(
    ("typed", "lines", "meant"),
    [
        ("the hoodie and the water bottle", DEMO, (11, 14)),
        ("the mug, the tee", DEMO, (12, 13)),
        ("smart watch & water bottle", TAU, (1, 5)),
        ("the thermostat plus the boots", TAU, (2, 6)),
        ("hoodie mug", DEMO, (11, 13)),  # a typed list without commas
        ("the red t-shirt and the blue one", TAU, (3, 4)),  # "the blue one": a T-Shirt too
        ("the hoodie, the mug and the bottle", DEMO, (11, 13, 14)),
        ("both t-shirts", TAU, (3, 4)),
    ],
)
def test_several_items_in_one_message_are_all_picked(
    typed: str, lines: list[OrderLine], meant: tuple[int, ...]
) -> None:
    assert _ids(resolve_items(typed, lines)) == meant


@pytest.mark.parametrize(
    ("typed", "lines", "meant"),
    [
        ("all of them", TAU, (1, 2, 3, 4, 5, 6)),
        ("everything", DEMO, (11, 12, 13, 14)),
        ("both", TAU[:2], (1, 2)),
        ("the whole order", DEMO, (11, 12, 13, 14)),
        ("everything but the mug", DEMO, (11, 12, 14)),
        ("all except the hoodie and the tee", DEMO, (13, 14)),
        ("not the watch", TAU, (2, 3, 4, 5, 6)),
        ("all of them apart from the blue t-shirt", TAU, (1, 2, 3, 5, 6)),
        ("I'll keep the bottle, the rest can go back", DEMO, (11, 12, 13)),
        ("the hoodie and the mug but not the mug", DEMO, (11,)),
    ],
)
def test_all_of_them_and_exclusions(
    typed: str, lines: list[OrderLine], meant: tuple[int, ...]
) -> None:
    assert _ids(resolve_items(typed, lines)) == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("3", (3,)), ("1,3", (1, 3)), (" 4 , 6 ", (4, 6)), ("1, 99", (1,))],
)
def test_a_buttons_line_ids_are_taken_as_they_are(typed: str, meant: tuple[int, ...]) -> None:
    assert _ids(resolve_items(typed, TAU)) == meant


@pytest.mark.parametrize(
    ("typed", "lines", "tied", "picked"),
    [
        ("the t-shirt", TAU, (3, 4), ()),
        ("the blue one", TAU, (4, 5), ()),  # a blue T-Shirt and a blue bottle
        ("smart", TAU, (1, 2), ()),
        ("the kettle", KETTLES, (21, 22), ()),
        ("the watch", KETTLES, (23, 24), ()),  # "watch" in Wristwatch and in Smart Watch
        ("the water bottle and the t-shirt", TAU, (3, 4), (5,)),
        ("the black one", DEMO, (13, 14), ()),
    ],
)
def test_words_that_fit_several_lines_equally_tie_only_those_lines(
    typed: str, lines: list[OrderLine], tied: tuple[int, ...], picked: tuple[int, ...]
) -> None:
    assert resolve_items(typed, lines) == Tie(tied, picked)


@pytest.mark.parametrize(
    "typed", ["hello", "I'm not sure", "the laptop", "it's not working", "", "size", "42"]
)
def test_words_that_name_no_line_match_nothing(typed: str) -> None:
    assert resolve_items(typed, TAU) == NoMatch()


@pytest.mark.parametrize(
    ("earlier", "answer", "meant"),
    [
        ("the t-shirt", "the red one", (3,)),
        ("the t-shirt", "the second one", (4,)),
        ("the t-shirt", "M", (4,)),
        ("the water bottle and the t-shirt", "the blue one", (4, 5)),
        ("the water bottle and the t-shirt", "large", (3, 5)),
        ("the water bottle", "the boots", (6,)),  # no tie before: a new answer
    ],
)
def test_the_answer_to_which_of_these_is_read_among_the_tied_lines(
    earlier: str, answer: str, meant: tuple[int, ...]
) -> None:
    assert _ids(resolve_answer(answer, TAU, earlier)) == meant


# ---- the delivery-problem form, with the order from a fake backend ------------------------


class OneOrder:
    """The backend's answers for one order."""

    def __init__(self, lines: list[OrderLine]) -> None:
        self.order = Order(
            order_id="#W1000001",
            customer_id="c1",
            status="delivered",
            placed_at=datetime(2026, 11, 1, tzinfo=timezone.utc),
            currency="USD",
            total=120.0,
            lines=tuple(lines),
            shipping_postcode="10001",
            shipping_name="Ann Lee",
            shipment=None,
        )

    async def get_order(self, order_ref: str) -> Order:
        return self.order

    async def recent_claims(self, customer_id: str, days: int) -> int:
        return 0


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> OneOrder:
    client = OneOrder(TAU)
    for module in (actions.support,):
        monkeypatch.setattr(module, "client_from_env", lambda tenant=None: client)
    return client


def _tracker(*answers: str) -> Tracker:
    """The form asked which item, and the shopper answered ``answers`` in turn."""
    events: list[dict[str, Any]] = [{"event": "slot", "name": "order_id", "value": "#W1000001"}]
    for answer in answers:
        events.append({"event": "slot", "name": "requested_slot", "value": "problem_items"})
        events.append({"event": "user", "text": answer, "parse_data": {"entities": []}})
    return Tracker(
        sender_id="shopper",
        slots={
            "order_id": "#W1000001",
            "order_verified": True,
            "problem_kind": "damaged",
            "requested_slot": "problem_items",
        },
        latest_message={"text": answers[-1], "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": "delivery_problem_form"},
        latest_action_name="action_listen",
    )


async def _validate(*answers: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    result = await ValidateDeliveryProblemForm().validate_problem_items(
        answers[-1], dispatcher, _tracker(*answers), {}
    )
    return result, dispatcher.messages


async def test_when_two_lines_tie_then_one_question_lists_only_them(backend: OneOrder) -> None:
    result, said = await _validate("the t-shirt is torn")
    assert result["problem_items"] is None
    assert said == []  # no "couldn't tell which item": the question below asks precisely
    dispatcher = CollectingDispatcher()
    await ActionAskProblemItems().run(dispatcher, _tracker("the t-shirt is torn"), {})
    [question] = dispatcher.messages
    assert question["response"] == "utter_which_of_these_items"
    assert question["items"] == "T-Shirt (red, L) or T-Shirt (blue, M)"
    assert [b["title"] for b in question["buttons"]] == [
        "T-Shirt (red, L)",
        "T-Shirt (blue, M)",
        "All of these",
    ]
    assert question["buttons"][1]["payload"] == '/inform{"problem_items":"4"}'


async def test_a_tie_beside_a_sure_item_keeps_the_sure_one_in_every_button(
    backend: OneOrder,
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskProblemItems().run(dispatcher, _tracker("the bottle and the t-shirt"), {})
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == [
        '/inform{"problem_items":"3,5"}',
        '/inform{"problem_items":"4,5"}',
        '/inform{"problem_items":"3,4,5"}',
    ]


async def test_a_typed_answer_to_the_tie_is_read_among_the_tied_lines(backend: OneOrder) -> None:
    result, _ = await _validate("the bottle and the t-shirt", "the blue one")
    assert result["problem_items"] == "4,5"


async def test_when_nothing_matches_the_shopper_hears_so_and_gets_every_item(
    backend: OneOrder,
) -> None:
    result, said = await _validate("the sofa")
    assert result["problem_items"] is None
    assert [m["response"] for m in said] == ["utter_return_item_not_found"]
    dispatcher = CollectingDispatcher()
    await ActionAskProblemItems().run(dispatcher, _tracker("the sofa"), {})
    assert dispatcher.messages[0]["response"] == "utter_ask_problem_items"
    assert len(dispatcher.messages[0]["buttons"]) == len(TAU)


async def test_several_items_typed_at_which_item_are_all_taken(backend: OneOrder) -> None:
    result, said = await _validate("the smart watch, the boots")
    assert result["problem_items"] == "1,6"
    assert said == []


# ---- the returns form: the same reading over the lines that may go back -------------------


@pytest.fixture
def returns_backend(monkeypatch: pytest.MonkeyPatch) -> OneOrder:
    client = OneOrder(TAU)
    for module in (actions.returns, actions.support):
        monkeypatch.setattr(module, "client_from_env", lambda tenant=None: client)
    return client


def _return_tracker(*answers: str) -> Tracker:
    tracker = _tracker(*answers)
    for event in tracker.events:
        if event.get("name") == "requested_slot":
            event["value"] = "return_items"
    tracker.slots["requested_slot"] = "return_items"
    tracker.active_loop = {"name": "return_form"}
    return tracker


async def test_a_typed_list_at_which_item_to_return_picks_each_item(
    returns_backend: OneOrder,
) -> None:
    dispatcher = CollectingDispatcher()
    result = await ValidateReturnForm().validate_return_items(
        "the thermostat and the hiking boots", dispatcher, _return_tracker("x"), {}
    )
    assert result["return_items"] == "2,6"
    assert dispatcher.messages == []


async def test_which_t_shirt_to_return_is_asked_with_only_the_t_shirts(
    returns_backend: OneOrder,
) -> None:
    tracker = _return_tracker("I want to send back the t-shirt")
    dispatcher = CollectingDispatcher()
    result = await ValidateReturnForm().validate_return_items(
        "I want to send back the t-shirt", dispatcher, tracker, {}
    )
    assert result["return_items"] is None and dispatcher.messages == []
    await ActionAskReturnItems().run(dispatcher, tracker, {})
    [question] = dispatcher.messages
    assert question["response"] == "utter_which_of_these_items"
    assert [b["payload"] for b in question["buttons"]] == [
        '/inform{"return_items":"3"}',
        '/inform{"return_items":"4"}',
        '/inform{"return_items":"3,4"}',
    ]
