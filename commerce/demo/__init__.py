"""Generators of the deterministic demo store; `commerce.seed` writes what they build."""
