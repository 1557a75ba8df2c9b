"""Nothing personal reaches a generative model."""

from __future__ import annotations

from guardrails.prompts import PromptMessage, scrub_prompt


async def test_when_history_holds_personal_values_then_the_prompt_holds_none() -> None:
    history = [
        PromptMessage("system", "You help shoppers of Demo Shop. Be brief."),
        PromptMessage("user", "I'm Odalys Fenwick, odalys.f@example.org, my order is AC-104233"),
        PromptMessage("assistant", "Thanks Odalys Fenwick, order AC-104233 is in transit."),
        PromptMessage("user", "send it to 88 Quarry Road, Bend, OR 97701 instead"),
    ]
    prompt = await scrub_prompt(history)
    joined = "\n".join(m.content for m in prompt)
    for value in ("Odalys", "Fenwick", "odalys.f@example.org", "Quarry"):
        assert value not in joined
    assert joined.count("AC-104233") == 2
    assert [m.role for m in prompt] == ["system", "user", "assistant", "user"]
    assert prompt[0] == history[0]
