"""Two desks on one SQLite file (two processes), saving and issuing at the same instant: every
action succeeds on its first try, and the invoice numbers come out consecutive."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal as D
from multiprocessing.synchronize import Barrier

from crm_desktop.actor import Actor
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.invoices.invoice_service import InvoiceLineInput, InvoiceService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade
from tests.conftest import FakeClock
from tests.passwords import OWNER_PASSWORD

DRAFTS_PER_DESK = 8


def _desk(url: str, actor: Actor, draft_ids: list[int], start: Barrier,
          results: multiprocessing.Queue[tuple[str, str]]) -> None:
    database = Database(url)
    invoices, customers = InvoiceService(database), CustomerService(database)
    start.wait()
    try:
        for draft_id in draft_ids:
            draft = invoices.get(draft_id)
            results.put(("issued", invoices.issue(draft.id, draft.version, actor).number or ""))
            # And a customer save between issues, as the front desk would.
            customers.create(CustomerInput(first_name=f"Walk-in {draft_id}"), actor)
    except Exception as exc:  # reported to the test, which fails with it
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        database.dispose()
        results.put(("done", ""))


def test_two_processes_issue_and_save_at_once_without_a_retry(
        app_home: AppPaths, clock: FakeClock) -> None:
    url = app_home.default_database_url()
    database = Database(url, clock=clock)
    upgrade(database)
    actor = UserService(database).first_run("Olivia Owner", "Corner Shop", "DE",
                                            password=OWNER_PASSWORD).as_actor()
    customer = CustomerService(database).create(CustomerInput(first_name="Jim", addresses=[
        AddressInput("Hauptstraße 5", postal_code="10115", city="Berlin", country="DE",
                     is_primary=True)]), actor).id
    invoices = InvoiceService(database)
    drafts = [invoices.create_draft(customer, [InvoiceLineInput("Repair", D(1), D(40), D(19))],
                                    actor).id for _ in range(2 * DRAFTS_PER_DESK)]
    database.dispose()

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    results: multiprocessing.Queue[tuple[str, str]] = context.Queue()
    desks = [context.Process(target=_desk, args=(url, actor, drafts[i::2], start, results))
             for i in range(2)]
    for desk in desks:
        desk.start()
    outcomes: list[tuple[str, str]] = []
    while sum(kind == "done" for kind, _ in outcomes) < len(desks):
        outcomes.append(results.get(timeout=120))
    for desk in desks:
        desk.join(timeout=60)
        assert desk.exitcode == 0
    errors = [detail for kind, detail in outcomes if kind == "error"]
    assert errors == []
    numbers = sorted(detail for kind, detail in outcomes if kind == "issued")
    year = numbers[0][:4]
    assert numbers == [f"{year}-{n:04d}" for n in range(1, 2 * DRAFTS_PER_DESK + 1)]
