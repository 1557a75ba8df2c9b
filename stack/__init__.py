"""Starts and stops the whole assistant on one machine: backend, action server, Rasa server.

``make run`` and the end-to-end tests use the same code, so what the tests exercise is what a
newcomer runs.
"""
