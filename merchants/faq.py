"""Where a merchant's FAQ file is: per tenant, else ``FAQ_FILE``, else the demo store's.

The file's format is validated by ``guardrails.knowledge.faq``; this module only finds it, so
the stack can check every merchant's file at start without loading the dialogue.
"""

from __future__ import annotations

import os
from pathlib import Path

from merchants.tenants import ROOT, load_registry

FAQ_ENV = "FAQ_FILE"
DEFAULT_FAQ_PATH = ROOT / "data" / "faq" / "demo.yml"


def faq_path(tenant: str | None) -> str:
    """The tenant's FAQ file (``channels/tenants.yml``), else ``FAQ_FILE``, else the demo's.

    A relative ``FAQ_FILE`` is read from the repository root, wherever the server starts.
    """
    if tenant is not None:
        found = load_registry().tenants.get(tenant)
        if found is not None and found.faq_path() is not None:
            return str(found.faq_path())
    path = Path(os.environ.get(FAQ_ENV) or DEFAULT_FAQ_PATH)
    return str(path if path.is_absolute() else ROOT / path)
