"""The desk-sync benchmark reports each length's mean CPU per look, and new against old."""

from __future__ import annotations

from benchmarks.desk_sync import Looks, report, report_rounds


def test_each_length_gets_its_mean_cpu_per_look_and_the_ratio_of_new_to_old() -> None:
    looks = Looks()
    for cpu in (10.0, 20.0, 30.0):
        looks.add("tracker", 100, cpu, cpu + 1)
    for cpu in (0.0, 10.0, 0.0):
        looks.add("shopper_messages", 100, cpu, 2.0)

    rows = [line for line in report(looks, rounds=3) if line.startswith("| 100 ")]

    assert rows == ["| 100 | 20.0 | 3.3 | 21.0 → 2.0 | 0.17× |"]


def test_each_queue_gets_its_mean_cpu_per_round_and_the_ratio_of_one_request_to_many() -> None:
    looks = Looks()
    for cpu in (100.0, 140.0):
        looks.add("per conversation", 20, cpu, cpu * 2)
    for cpu in (10.0, 20.0):
        looks.add("one request", 20, cpu, 5.0)

    rows = [line for line in report_rounds(looks, rounds=2) if line.startswith("| 20 ")]

    assert rows == ["| 20 | 120.0 | 15.0 | 240.0 → 5.0 | 0.12× |"]
