"""Grounded answers to policy and FAQ questions, retrieved from the merchant's own text.

Passages come from the merchant's policy file (one short sentence per rule) and FAQ file;
a question is matched to them with MiniLM embeddings and answered with the asked rule only,
either verbatim or, when a model is configured, summarised and checked by the output rails.
"""
