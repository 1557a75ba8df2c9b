"""The commands conversation designers type in the project root: bare ``rasa ...``."""
