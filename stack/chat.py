"""``make shell``: Rasa's own terminal chat client, pointed at the running stack.

``rasa shell`` would load a second Rasa server in-process; this reuses its console client
against the server ``make run`` started, so the shell talks to the real action server, backend
and tracker store.
"""

from __future__ import annotations

import asyncio
import sys
import uuid

from rasa.core.channels.console import record_messages


def main() -> int:
    server_url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5005"
    sender = f"shell-{uuid.uuid4().hex[:8]}"
    return asyncio.run(record_messages(sender_id=sender, server_url=server_url))


if __name__ == "__main__":
    sys.exit(main())
