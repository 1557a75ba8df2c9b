"""Connectors: external help desks that can replace the built-in console."""
