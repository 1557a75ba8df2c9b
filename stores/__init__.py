"""Plug-ins loaded by the Rasa server for where conversations come to rest."""
