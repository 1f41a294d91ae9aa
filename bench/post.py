"""Post at scale: labels, envelopes and letters for the first N customers of a demo shop,
through the services (who gets one, their addresses, the PDF), each beside its floor: the
same PDF rendered bare from addresses already in memory.

    python bench/post.py --database sqlite:////path/to/crm.sqlite3 [--customers 10000]

Use a database filled by ``crm-desktop demo-data --customers 10000`` (or more).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from crm_desktop.actor import SYSTEM
from crm_desktop.documents.letter_pdf import render_letters
from crm_desktop.documents.mailing_pdf import render_envelopes, render_labels
from crm_desktop.documents.post_document import (
    ENVELOPE_SIZES,
    LETTER,
    SHEETS,
    Envelope,
    LetterDocument,
)
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.services.mailing.letter_service import LetterService
from crm_desktop.services.mailing.mailing_service import MailingService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--letters", type=int, default=1_000)
    args = parser.parse_args()
    database = Database(args.database)
    upgrade(database)
    ids = CustomerListService(database).matching_ids(CustomerFilter())[:args.customers]
    mailing, letters = MailingService(database), LetterService(database)
    chosen = mailing.mailing(ids, SYSTEM, marketing=False)
    addresses = [r.address for r in chosen.recipients]
    print(f"{database.describe()}: {len(ids):,} customers chosen, "
          f"{len(addresses):,} with an address")
    rows = [
        ("who gets post (mailing)", seconds(lambda: mailing.mailing(ids, SYSTEM,
                                                                    marketing=True)), None),
        ("labels, L7160", seconds(lambda: mailing.labels(ids, SYSTEM, marketing=False,
                                                        sheet="L7160")),
         seconds(lambda: render_labels(addresses, SHEETS["L7160"]))),
        ("envelopes, DL", seconds(lambda: mailing.envelopes(ids, SYSTEM, marketing=False,
                                                           size="DL")),
         seconds(lambda: render_envelopes([Envelope(a, sender="Shop") for a in addresses],
                                          ENVELOPE_SIZES["DL"]))),
    ]
    few = ids[:args.letters]
    bare = [LetterDocument(LETTER, "Shop", "1 High St", a, "7 December 2026",
                           "Dear customer,\n\nwe have missed you.", "Hope to see you!", f"{n}")
            for n, a in enumerate(addresses[:len(few)])]
    rows.append((f"letters “we miss you”, {len(few):,}",
                 seconds(lambda: letters.compose(few, "miss_you", SYSTEM, marketing=False)),
                 seconds(lambda: render_letters(bare))))
    print(f"{'what':38} {'through the app':>16} {'bare render':>12} {'ratio':>6}")
    for label, took, floor in rows:
        tail = f"{floor:11.2f}s {took / floor:6.2f}" if floor else f"{'—':>12} {'':>6}"
        print(f"{label:38} {took:15.2f}s {tail}")
    database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
