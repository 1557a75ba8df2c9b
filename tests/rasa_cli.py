"""A command line read as Rasa's own ``rasa run`` parser reads it.

The stack, production mode and the Rasa image each write the ``rasa run`` command; what they
wrote is checked by Rasa's parser, not by comparing words (a token beginning with "-" is a
valid word and still not a valid command).
"""

from __future__ import annotations

import argparse


def parse_rasa_run(words: list[str]) -> argparse.Namespace:
    """The arguments of the ``rasa run`` in ``words`` (anything before ``rasa`` is skipped)."""
    from rasa.cli import run

    rasa = argparse.ArgumentParser()
    run.add_subparser(rasa.add_subparsers(), parents=[])
    return rasa.parse_args(words[words.index("rasa") + 1 :])
