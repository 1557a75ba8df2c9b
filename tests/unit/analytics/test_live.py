"""Which stream the desk follows into the analytics tables, from the broker settings."""

from __future__ import annotations

import pytest

from analytics.live import StreamKind, StreamSettingsError, stream_source
from stack.settings import DEFAULTS_FILE, read_env_file

DEFAULTS = read_env_file(DEFAULTS_FILE)


def test_the_embedded_default_follows_the_file_broker_log_under_var() -> None:
    found = stream_source(DEFAULTS)
    assert found is not None
    assert (found.kind, found.location) == (StreamKind.file, "var/events.log")
    assert DEFAULTS["ANALYTICS_DB_URL"] == "sqlite:///var/analytics.db"


@pytest.mark.parametrize(
    "env",
    [
        {"EVENT_BROKER": "none"},
        {"EVENT_BROKER": "file", "ANALYTICS_FOLLOW": "off"},
        {"EVENT_BROKER": "pika", "EVENT_BROKER_URL": "rabbit", "ANALYTICS_QUEUE": ""},
    ],
)
def test_nothing_is_followed_without_a_stream_or_when_told_not_to(env: dict[str, str]) -> None:
    assert stream_source(env) is None


def test_the_sql_broker_is_followed_by_its_url() -> None:
    found = stream_source({"EVENT_BROKER": "sql", "EVENT_BROKER_URL": "sqlite:///e.db"})
    assert found is not None and (found.kind, found.location) == (StreamKind.sql, "sqlite:///e.db")
    with pytest.raises(StreamSettingsError, match="EVENT_BROKER_URL"):
        stream_source({"EVENT_BROKER": "sql"})


def test_rabbitmq_is_followed_on_a_queue_of_its_own_that_rasa_publishes_to() -> None:
    env = {
        "EVENT_BROKER": "pika",
        "EVENT_BROKER_URL": "rabbit.internal",
        "EVENT_BROKER_USERNAME": "aftercare",
        "EVENT_BROKER_PASSWORD": "p@ss/word",
        "EVENT_BROKER_QUEUES": "aftercare_events, aftercare_analytics",
        "ANALYTICS_QUEUE": "aftercare_analytics",
    }
    found = stream_source(env)
    assert found is not None and found.kind == StreamKind.rabbitmq
    assert found.location == "amqp://aftercare:p%40ss%2Fword@rabbit.internal:5672/"
    assert found.queue == "aftercare_analytics"
    assert "p%40ss" not in found.describe() and "rabbit.internal:5672" in found.describe()
    with pytest.raises(StreamSettingsError, match="not in EVENT_BROKER_QUEUES"):
        stream_source({**env, "EVENT_BROKER_QUEUES": "aftercare_events"})
