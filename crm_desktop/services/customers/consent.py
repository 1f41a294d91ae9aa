"""Marketing consent: per customer and channel, whether they agreed to hear from the shop
with offers, when and how they said so; and who may be written to for a mailing.

Never asked counts as no. An answer is given or withdrawn, never taken back to "not asked",
and every change stays in the audit trail. Everything the shop sends or exports for
marketing goes through ``audience``, so a withdrawn consent is honoured everywhere at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from crm_desktop.actor import Actor
from crm_desktop.errors import NotFoundError, ValidationError
from crm_desktop.models import ConsentChannel, ConsentMethod, Customer, MarketingConsent, User
from crm_desktop.permissions import Permission
from crm_desktop.services.records import live_customer_ids
from crm_desktop.storage.database import Database
from crm_desktop.validation import clean_text

CHANNEL_LABELS = {ConsentChannel.POST: "Post", ConsentChannel.EMAIL: "E-mail",
                  ConsentChannel.PHONE: "Phone calls", ConsentChannel.SMS: "Text messages"}
METHOD_LABELS = {ConsentMethod.IN_PERSON: "in person", ConsentMethod.PHONE: "on the phone",
                 ConsentMethod.IN_WRITING: "in writing", ConsentMethod.EMAIL: "by e-mail",
                 ConsentMethod.ONLINE_FORM: "on an online form"}
MAX_NOTE = 200


@dataclass(frozen=True)
class ConsentView:
    channel: ConsentChannel
    given: bool
    changed_at: datetime
    method: ConsentMethod
    note: str
    changed_by: str  # who recorded the answer ("" when not known any more)


@dataclass(frozen=True)
class ConsentAnswer:
    """What the customer said about one channel."""

    channel: ConsentChannel
    given: bool
    method: ConsentMethod
    note: str = ""


def consents_of(session: Session, customer_id: int) -> tuple[ConsentView, ...]:
    """The customer's answers, in the order of the channels (one indexed lookup)."""
    rows = session.execute(
        select(MarketingConsent, User.display_name)
        .outerjoin(User, User.id == MarketingConsent.updated_by_id)
        .where(MarketingConsent.customer_id == customer_id)).all()
    order = list(ConsentChannel)
    return tuple(ConsentView(c.channel, c.given, c.changed_at, c.method, c.note, name or "")
                 for c, name in sorted(rows, key=lambda r: order.index(r[0].channel)))


def consented(channel: ConsentChannel) -> ColumnElement[bool]:
    """A filter on customers: those who gave (and did not withdraw) consent on ``channel``;
    a channel the shop does not know is a refusal, not a query."""
    if channel not in set(ConsentChannel):
        raise ValidationError.single("marketing", "Choose how the offers go out: by post, "
                                                  "e-mail, phone or text message.")
    return Customer.id.in_(select(MarketingConsent.customer_id).where(
        MarketingConsent.channel == ConsentChannel(channel), MarketingConsent.given.is_(True)))


def _clean(answers: Iterable[ConsentAnswer]) -> list[ConsentAnswer]:
    cleaned: dict[ConsentChannel, ConsentAnswer] = {}
    errors: dict[str, str] = {}
    for answer in answers:
        try:
            channel = ConsentChannel(answer.channel)
        except ValueError:
            errors["channel"] = "That is not a way the shop reaches customers."
            continue
        field = f"consent.{channel.value}"
        try:
            method = ConsentMethod(answer.method)
        except ValueError:
            errors[f"{field}.method"] = "Say how the customer told us."
            continue
        if answer.given not in (True, False):  # a form may hand over anything
            errors[field] = "Say whether the customer agreed or not."
            continue
        try:
            note = clean_text(f"{field}.note", "The note", answer.note, max_length=MAX_NOTE)
        except ValidationError as exc:
            errors.update(exc.errors)
            continue
        cleaned[channel] = ConsentAnswer(channel, bool(answer.given), method, note)
    if errors:
        raise ValidationError(errors)
    return list(cleaned.values())


class ConsentService:
    def __init__(self, database: Database) -> None:
        self._db = database

    def get(self, customer_id: int) -> tuple[ConsentView, ...]:
        with self._db.read() as session:
            return consents_of(session, customer_id)

    def record(self, customer_id: int, answers: Sequence[ConsentAnswer], actor: Actor
               ) -> tuple[ConsentView, ...]:
        """Record what the customer said, for the channels in ``answers``; the rest stay as
        they were. An answer that repeats the current one changes nothing (not even its
        date); a new method or note for the same answer corrects the record in place."""
        cleaned = _clean(answers)
        with self._db.transaction(actor, Permission.WORK_WITH_CUSTOMERS) as session:
            customer = (session.get(Customer, customer_id)
                        if isinstance(customer_id, int) and 1 <= customer_id < 2**31 else None)
            if customer is None or customer.deleted_at is not None:
                raise NotFoundError("That customer is not in the shop (any more).")
            if customer.erased_at is not None:
                raise ValidationError.single(
                    "consent", "This customer's personal data was erased: there is no one to "
                               "write to.")
            current = {c.channel: c for c in customer.consents}
            now = self._db.clock()
            for answer in cleaned:
                row = current.get(answer.channel)
                if row is None:
                    customer.consents.append(MarketingConsent(
                        channel=answer.channel, given=answer.given, changed_at=now,
                        method=answer.method, note=answer.note))
                elif (row.given, row.method, row.note) != (answer.given, answer.method,
                                                           answer.note):
                    if row.given != answer.given:
                        row.changed_at = now
                    row.given, row.method, row.note = answer.given, answer.method, answer.note
            session.flush()
            return consents_of(session, customer_id)

    def audience(self, channel: ConsentChannel, customer_ids: Sequence[int] | None = None
                 ) -> list[int]:
        """Of these customers (or all), the live ones who may be sent marketing on
        ``channel``, in the list's order."""
        with self._db.read() as session:
            found = live_customer_ids(session, customer_ids, consented(channel))
        if customer_ids is None:
            return found
        chosen = set(found)
        return [i for i in dict.fromkeys(customer_ids) if i in chosen]
