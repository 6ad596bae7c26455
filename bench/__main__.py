"""`make bench`: every benchmark in turn: region import, the audit trail (and bulk people), and the
verification queue at national scale (1M people / 2M registrations on PostgreSQL), STTPs (one
PDF against a minimal one, a session of 300 participants completed in the background), and the JP
ledger (a person's 200-record page; the officer's export of 100,000 records), the eligibility gate of
one candidate (200 training records, 10 registrations) against a primary-key SELECT, and the plenary
(500 candidacies decided at once, against per-row transitions), and the certification lists at
national scale (`cert_lists`: ~300,000 candidacies; first and deep keyset pages against a primary-key
SELECT, statements per page, the plans' indexes), and the public verification page under load
(`verification`: gunicorn, production configuration, against a bare Flask endpoint).

Each runs on a temporary SQLite file, and on PostgreSQL too when BENCH_DATABASE_URL is set (a SCRATCH
database: its tables are dropped). BENCH_QUICK=1 scales the large audit figures down;
BENCH_SCALE (0..1) the queue's data set.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (  # noqa: E402
    audit,
    cert_lists,
    certificates,
    eligibility,
    ledger,
    plenary,
    queue,
    regions,
    sttp,
    verification,
)


def main() -> None:
    only = set(sys.argv[1:])  # e.g. `python -m bench audit`
    modules = (
        ("regions", regions),
        ("audit", audit),
        ("queue", queue),
        ("sttp", sttp),
        ("ledger", ledger),
        ("eligibility", eligibility),
        ("plenary", plenary),
        ("cert_lists", cert_lists),
        ("verification", verification),
        ("certificates", certificates),
    )
    for name, module in modules:
        if not only or name in only:
            module.main()


if __name__ == "__main__":
    main()
