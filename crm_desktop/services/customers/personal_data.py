"""A customer's personal data, on their request: everything we hold about them, exported as
JSON (for a machine) and PDF (for them to read); and erased, when they ask to be forgotten.

Erasing keeps what the law asks a shop to keep: issued invoices and credit notes stay with
the snapshot they were issued with (a reprint is identical), and the orders and payments
behind them stay as figures. Names, contacts, addresses, notes, preferences, dates, tags and
follow-ups go; the free text of their history, queries, feedback and orders is blanked; and
their values in the audit trail are redacted, its rows kept (who changed what field, when).
An erasure is refused while something is still open with them (an unpaid invoice, a draft,
an order not yet delivered), with the reason. It cannot be undone; it is audited as who and
when, not what.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from crm_desktop import __version__
from crm_desktop.actor import Actor
from crm_desktop.errors import CrmError, NotFoundError
from crm_desktop.models import (
    Address,
    AuditAction,
    AuditEntry,
    ContactPoint,
    Customer,
    CustomerQuery,
    CustomerSource,
    Feedback,
    FollowUp,
    HistoryEntry,
    ImportantDate,
    ImportBatchItem,
    Invoice,
    InvoiceState,
    MarketingConsent,
    Order,
    OrderEvent,
    OrderLine,
    OrderState,
    PersonalNote,
    Preference,
    QueryEvent,
)
from crm_desktop.models.base import Base, table_of
from crm_desktop.permissions import Permission
from crm_desktop.services.customers import search_index
from crm_desktop.services.customers.customer_service import customer_number, sort_name_for
from crm_desktop.services.transfer.shop_archive import WITHHELD, json_value
from crm_desktop.storage.database import Database

log = logging.getLogger(__name__)

FORMAT = "crm-desktop-personal-data"
ERASED = "(erased)"
# Rows that are only about the person: deleted.
_DELETED: tuple[type[Base], ...] = (ContactPoint, Address, Preference, PersonalNote,
                                    ImportantDate, FollowUp, ImportBatchItem, CustomerSource,
                                    MarketingConsent)
# Rows the shop keeps as records, their free text blanked.
_BLANKED: dict[type[Base], tuple[str, ...]] = {
    HistoryEntry: ("summary", "details", "outcome"),
    CustomerQuery: ("subject", "details", "resolution"),
    QueryEvent: ("detail",),
    Feedback: ("text", "action_taken"),
    Order: ("notes", "cancel_reason"),
    OrderEvent: ("detail",),
}
# The line a record is known by says it was erased; the rest of its text is emptied.
_TITLES = frozenset({"summary", "subject"})
# Whose values are redacted in the audit trail; invoices, their lines and payments are the
# shop's accounts and keep theirs.
_PERSONAL_ENTITIES = frozenset(
    {"customers", "customer_tags"} | {table_of(m).name for m in (*_DELETED, *_BLANKED)})
# What an export leaves out: derived copies (search text), and what only the app needs.
_NOT_EXPORTED = frozenset({"customer_search", "audit_entries"})
_CLOSED_ORDERS = (OrderState.DELIVERED, OrderState.CLOSED, OrderState.CANCELLED)


@dataclass(frozen=True)
class ErasureResult:
    erased: list[ErasePlan]
    refused: list[ErasePlan]  # each with its refusals, nothing changed


@dataclass(frozen=True)
class ErasePlan:
    """What an erasure would remove, to name it before asking; and why it may not run yet."""

    customer_id: int
    name: str
    counts: dict[str, int]  # what goes or is blanked, by what it is to a person
    kept_invoices: int
    refusals: list[str]


def _rows(session: Session, table: Table, where: Any) -> list[dict[str, Any]]:
    withheld = WITHHELD.get(table.name, frozenset())
    columns = [c for c in table.columns if c.name not in withheld]
    return [{c.name: json_value(v) for c, v in zip(columns, row, strict=True)}
            for row in session.execute(select(*columns).where(where).order_by(*table.primary_key))]


def _customer(session: Session, customer_id: int) -> Customer:
    # An id no INTEGER column can hold is nobody (and must not reach the driver).
    customer = session.get(Customer, customer_id) if 1 <= customer_id < 2**31 else None
    if customer is None:
        raise NotFoundError("That customer is not in the shop (any more).")
    return customer


class PersonalDataService:
    def __init__(self, database: Database) -> None:
        self._db = database

    # ---- export ----------------------------------------------------------------------------

    def gather(self, customer_id: int, actor: Actor) -> dict[str, Any]:
        """Everything we hold about the customer, table by table, at one moment."""
        with self._db.read(actor, Permission.HANDLE_PERSONAL_DATA, snapshot=True) as session:
            customer = _customer(session, customer_id)
            tables: dict[str, list[dict[str, Any]]] = {}
            for table in Base.metadata.sorted_tables:
                if table.name in _NOT_EXPORTED:
                    continue
                if table.name == "customers":
                    tables["customers"] = _rows(session, table, table.c.id == customer_id)
                elif "customer_id" in table.c:
                    rows = _rows(session, table, table.c.customer_id == customer_id)
                    if rows:
                        tables[table.name] = rows
            for child, parent, key in (("order_lines", "orders", "order_id"),
                                       ("invoice_lines", "invoices", "invoice_id"),
                                       ("payments", "invoices", "invoice_id")):
                ids = [row["id"] for row in tables.get(parent, [])]
                table = Base.metadata.tables[child]
                rows = _rows(session, table, table.c[key].in_(ids)) if ids else []
                if rows:
                    tables[child] = rows
            tags = [tag.name for tag in customer.tags]
            audit = table_of(AuditEntry)
            changes = _rows(session, audit, audit.c.customer_id == customer_id)
        return {"format": FORMAT, "version": 1, "app_version": __version__,
                "exported_at": self._db.clock().isoformat(),
                "customer_number": customer_number(customer_id),
                "name": customer.display_name, "tags": tags, "tables": tables,
                "changes_recorded": changes}

    def export(self, customer_id: int, folder: Path, actor: Actor, *,
               shop_name: str = "") -> tuple[Path, Path]:
        """``<number> personal data.json`` and ``.pdf`` in ``folder``; returns both."""
        data = self.gather(customer_id, actor)
        from crm_desktop.documents.personal_data_pdf import render  # noqa: PLC0415

        stem = f"{data['customer_number']} personal data"
        json_path, pdf_path = folder / f"{stem}.json", folder / f"{stem}.pdf"
        folder.mkdir(parents=True, exist_ok=True)
        for path, content in ((json_path, json.dumps(data, indent=2, ensure_ascii=False)
                               .encode("utf-8")), (pdf_path, render(data, shop_name))):
            partial = path.with_name(path.name + ".part")
            partial.write_bytes(content)
            partial.replace(path)
        log.info("personal data of %s exported", data["customer_number"])
        return json_path, pdf_path

    # ---- erase -----------------------------------------------------------------------------

    def plan_erase(self, customer_id: int, actor: Actor) -> ErasePlan:
        with self._db.read(actor, Permission.HANDLE_PERSONAL_DATA) as session:
            return self._plan(session, customer_id)

    def _plan(self, session: Session, customer_id: int) -> ErasePlan:
        customer = _customer(session, customer_id)
        counts = {"phones and e-mail addresses": len(customer.contact_points),
                  "addresses": len(customer.addresses),
                  "preferences": len(customer.preferences), "notes": len(customer.notes),
                  "dates": len(customer.important_dates), "tags": len(customer.tags),
                  "answers about marketing": len(customer.consents)}
        for label, model in (("history entries (their text)", HistoryEntry),
                             ("queries (their text)", CustomerQuery),
                             ("complaints and feedback (their text)", Feedback),
                             ("follow-ups", FollowUp)):
            table = table_of(model)
            counts[label] = int(session.scalar(select(func.count()).select_from(table).where(
                table.c.customer_id == customer_id)) or 0)
        invoices = session.scalars(select(Invoice).where(Invoice.customer_id == customer_id)).all()
        refusals: list[str] = []
        drafts = [i for i in invoices if i.state is InvoiceState.DRAFT]
        if drafts:
            refusals.append(f"{len(drafts)} draft invoice(s): issue or delete them first.")
        unpaid = [i for i in invoices if i.state is InvoiceState.ISSUED
                  and i.gross_total - i.credited_total - i.paid_total > Decimal(0)]
        if unpaid:
            numbers = ", ".join(str(i.number) for i in unpaid[:5])
            refusals.append(f"unpaid invoice(s) {numbers}: the shop must keep what it is "
                            "owed; take the payment or credit them first.")
        open_orders = session.scalars(select(Order.id).where(
            Order.customer_id == customer_id, Order.state.not_in(_CLOSED_ORDERS))).all()
        if open_orders:
            refusals.append(f"{len(open_orders)} order(s) not yet delivered: deliver or "
                            "cancel them first.")
        kept = sum(1 for i in invoices if i.state is not InvoiceState.DRAFT)
        return ErasePlan(customer_id, customer.display_name,
                         {k: v for k, v in counts.items() if v}, kept, refusals)

    def erase(self, customer_id: int, actor: Actor) -> ErasePlan:
        """Erase the customer's personal data, in one transaction; refused (nothing changed)
        while the plan has refusals."""
        with self._db.transaction(actor, Permission.HANDLE_PERSONAL_DATA) as session:
            plan = self._plan(session, customer_id)
            if plan.refusals:
                raise CrmError(f"{plan.name}'s personal data cannot be erased yet: "
                               + " ".join(plan.refusals))
            self._erase(session, customer_id, actor)
        log.info("personal data of %s erased", customer_number(customer_id))
        return plan

    def erase_many(self, customer_ids: Sequence[int], actor: Actor) -> ErasureResult:
        """Erase each of these customers that can be, in one transaction; the others are
        returned with their reasons, untouched (a retention review's *Erase*)."""
        erased: list[ErasePlan] = []
        refused: list[ErasePlan] = []
        with self._db.transaction(actor, Permission.HANDLE_PERSONAL_DATA) as session:
            for customer_id in dict.fromkeys(customer_ids):
                plan = self._plan(session, customer_id)
                if plan.refusals:
                    refused.append(plan)
                    continue
                self._erase(session, customer_id, actor)
                erased.append(plan)
        log.info("personal data of %d customer(s) erased", len(erased))
        return ErasureResult(erased, refused)

    def _erase(self, session: Session, customer_id: int, actor: Actor) -> None:
        customer = _customer(session, customer_id)
        erased_name = f"Erased customer {customer_number(customer_id)}"
        customer.first_name, customer.last_name, customer.company = "", "", erased_name
        customer.sort_name = sort_name_for("", "", erased_name)
        customer.source = None
        customer.lost_reason = ERASED if customer.lost_reason else None
        customer.tags = []
        customer.erased_at = self._db.clock()
        session.flush()
        for model in _DELETED:
            table = table_of(model)
            session.execute(delete(table).where(table.c.customer_id == customer_id))
        session.expire(customer)
        for model, columns in _BLANKED.items():
            table = table_of(model)
            values = {name: ERASED if name in _TITLES else
                      None if table.c[name].nullable else "" for name in columns}
            session.execute(update(table).where(table.c.customer_id == customer_id)
                            .values(**values))
        lines = table_of(OrderLine)
        session.execute(update(lines).where(
            lines.c.order_id.in_(select(Order.id).where(Order.customer_id == customer_id)),
            lines.c.return_reason.is_not(None)).values(return_reason=ERASED))
        session.flush()  # the trail gets its entries for the above; now redact them all
        _redact_trail(session, customer_id)
        audit = table_of(AuditEntry)
        session.execute(audit.insert().values(
            at=self._db.clock(), user_id=actor.user_id, action=AuditAction.UPDATE,
            entity="customers", entity_id=customer_id, customer_id=customer_id,
            changes=json.dumps({"personal data": ["", "erased on request"]})))
        search_index.refresh(session, [customer_id])


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _redacted(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_redacted(inner) for inner in value]
    return None if value is None else ERASED


def _redact_trail(session: Session, customer_id: int) -> None:
    """Every value the trail holds of the customer's personal rows becomes "(erased)"; which
    field changed, who changed it and when stay."""
    audit = table_of(AuditEntry)
    rows = session.execute(select(audit.c.id, audit.c.changes).where(
        audit.c.customer_id == customer_id, audit.c.entity.in_(_PERSONAL_ENTITIES))).all()
    for entry_id, changes in rows:
        redacted = json.dumps(_redacted(json.loads(changes or "{}")), ensure_ascii=False,
                              sort_keys=True)
        session.execute(update(audit).where(audit.c.id == entry_id).values(changes=redacted))
