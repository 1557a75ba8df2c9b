"""Handoff guardrails: the rules that send a conversation to a person, and the signals in text."""
