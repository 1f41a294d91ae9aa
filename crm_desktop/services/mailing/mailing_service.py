"""Post without a window envelope: address labels and envelopes for chosen customers, and a
return envelope addressed to the shop to go with an invoice.

Who gets one: of the customers chosen, those still in the shop (not in the trash, not
erased) who have a postal address; for offers and newsletters, only those who agreed to post
(``consent.consented``, the one rule every mailing follows). Everyone left out is counted by
reason, and named, so the person printing can say how many were skipped and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from crm_desktop.actor import Actor
from crm_desktop.documents.post_document import (
    ENVELOPE_SIZES,
    SHEETS,
    Envelope,
    EnvelopeSize,
)
from crm_desktop.errors import ValidationError
from crm_desktop.models import ConsentChannel, Customer
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.customers.consent import consented
from crm_desktop.services.customers.postal import (
    addressee,
    addresses_by_customer,
    chosen_address,
    format_postal,
)
from crm_desktop.services.records import in_chunks, live_customer_ids
from crm_desktop.storage.database import Database

NAMES_SHOWN = 5  # of the customers left out for want of an address


@dataclass(frozen=True)
class Recipient:
    customer_id: int
    address: str  # the lines as they go on the envelope or label


@dataclass(frozen=True)
class Mailing:
    """Who a run of labels or envelopes goes to, and who was left out and why."""

    recipients: tuple[Recipient, ...]
    gone: int  # in the trash or erased since they were chosen
    not_agreed: int  # for offers: did not agree to post
    no_address: tuple[str, ...]  # the names of those with no postal address

    def left_out(self) -> str:
        """ "1 with no postal address (Ann Lee), 1 who did not agree to post" ("" if none)."""
        skipped = []
        if self.no_address:
            names = ", ".join(self.no_address[:NAMES_SHOWN])
            more = len(self.no_address) - NAMES_SHOWN
            names += f" and {more:,} more" if more > 0 else ""
            skipped.append(f"{len(self.no_address):,} with no postal address ({names})")
        if self.not_agreed:
            skipped.append(f"{self.not_agreed:,} who did not agree to post")
        if self.gone:
            skipped.append(f"{self.gone:,} no longer in the shop")
        return ", ".join(skipped)

    def summary(self, noun: str) -> str:
        """ "28 labels; left out: 1 with no postal address (Ann Lee), …." """
        count = len(self.recipients)
        left_out = self.left_out()
        return (f"{count:,} {noun}{'' if count == 1 else 's'}"
                + (f"; left out: {left_out}" if left_out else "") + ".")


@dataclass(frozen=True)
class Printout:
    pdf: bytes
    mailing: Mailing


def _ids(customer_ids: Sequence[int]) -> list[int]:
    if isinstance(customer_ids, (str, bytes)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in customer_ids):
        raise ValidationError.single("customers", "Choose the customers from the list.")
    wanted = list(dict.fromkeys(customer_ids))
    if not wanted:
        raise ValidationError.single("customers", "Choose at least one customer.")
    return wanted


class MailingService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._settings = SettingsService(database)

    def mailing(self, customer_ids: Sequence[int], actor: Actor, *,
                marketing: bool) -> Mailing:
        """Who of ``customer_ids`` gets post, in the order given (see the module's words)."""
        return self.who(customer_ids, actor, marketing=marketing,
                        home=self._settings.business().country)

    def who(self, customer_ids: Sequence[int], actor: Actor, *, marketing: bool,
            home: str) -> Mailing:
        """``mailing`` for a caller that has read the shop's settings already: ``home`` is
        the shop's country (post at home has no country line)."""
        wanted = _ids(customer_ids)
        with self._db.read(actor, Permission.SEND_POST) as session:
            live = set(live_customer_ids(session, wanted))
            agreed = (set(live_customer_ids(session, sorted(live),
                                            consented(ConsentChannel.POST)))
                      if marketing else live)
            going = [i for i in wanted if i in agreed]
            customers: dict[int, Customer] = {}
            for chunk in in_chunks(going):
                for customer in session.scalars(select(Customer).where(
                        Customer.id.in_(chunk))):
                    customers[customer.id] = customer
            addresses = addresses_by_customer(session, going)
            recipients: list[Recipient] = []
            no_address: list[str] = []
            for customer_id in going:
                customer = customers[customer_id]
                chosen = chosen_address(addresses.get(customer_id, []))
                if chosen is None:
                    no_address.append(customer.display_name)
                    continue
                recipients.append(Recipient(customer_id,
                                            format_postal(addressee(customer), chosen, home)))
        return Mailing(tuple(recipients), gone=len(wanted) - len(live),
                       not_agreed=len(live) - len(agreed), no_address=tuple(no_address))

    def labels(self, customer_ids: Sequence[int], actor: Actor, *, marketing: bool,
               sheet: str | None = None, start_at: int = 1) -> Printout:
        """Address labels on ``sheet`` (the shop's by default), from label ``start_at`` of
        a partly used first sheet."""
        settings = self._settings.business()
        chosen = SHEETS.get(sheet or settings.label_sheet)
        if chosen is None:
            raise ValidationError.single("sheet", "Choose one of the listed label sheets.")
        if not isinstance(start_at, int) or not 1 <= start_at <= chosen.per_sheet:
            raise ValidationError.single(
                "start_at", f"Start at a label from 1 to {chosen.per_sheet} of this sheet.")
        mailing = self._printable(customer_ids, actor, marketing=marketing, settings=settings)
        # (The PDF code, ReportLab with it, is imported when post is first printed.)
        from crm_desktop.documents.mailing_pdf import render_labels  # noqa: PLC0415

        return Printout(render_labels([r.address for r in mailing.recipients], chosen,
                                      start_at=start_at), mailing)

    def envelopes(self, customer_ids: Sequence[int], actor: Actor, *, marketing: bool,
                  size: str | None = None) -> Printout:
        """An envelope each, the shop's return address at the top left."""
        settings = self._settings.business()
        envelope = self._size(size or settings.post_envelope)
        mailing = self._printable(customer_ids, actor, marketing=marketing, settings=settings)
        sender = shop_address(settings)
        from crm_desktop.documents.mailing_pdf import render_envelopes  # noqa: PLC0415

        return Printout(render_envelopes(
            [Envelope(r.address, sender=sender) for r in mailing.recipients], envelope,
            feed=settings.envelope_feed), mailing)

    def return_envelopes(self, customer_ids: Sequence[int], actor: Actor, *,
                         size: str | None = None) -> Printout:
        """An envelope addressed to the shop for each customer (to go in with their invoice;
        a customer named twice, for two invoices, gets two), with the customer's address
        small as the sender, so the shop sees at once who wrote back, and the reply-paid
        text (or a stamp's place) at the top right."""
        settings = self._settings.business()
        envelope = self._size(size or settings.post_envelope)
        shop = shop_address(settings)
        if len(shop.splitlines()) < 2:
            raise ValidationError.single(
                "address", "Add the shop's postal address in Shop settings first: the return "
                           "envelope comes back to it.")
        mailing = self._printable(customer_ids, actor, marketing=False, settings=settings)
        senders = {r.customer_id: r.address for r in mailing.recipients}
        from crm_desktop.documents.mailing_pdf import render_envelopes  # noqa: PLC0415

        return Printout(render_envelopes(
            [Envelope(shop, sender=senders[i], postage=settings.reply_postage)
             for i in customer_ids if i in senders], envelope, feed=settings.envelope_feed,
            title="Return envelopes"), mailing)

    def _printable(self, customer_ids: Sequence[int], actor: Actor, *, marketing: bool,
                   settings: BusinessSettings) -> Mailing:
        mailing = self.who(customer_ids, actor, marketing=marketing, home=settings.country)
        if not mailing.recipients:
            raise ValidationError.single("customers",
                                         f"Nobody to print for: {mailing.left_out()}.")
        return mailing

    @staticmethod
    def _size(name: str) -> EnvelopeSize:
        size = ENVELOPE_SIZES.get(name)
        if size is None:
            raise ValidationError.single("size", "Choose one of the listed envelopes.")
        return size


def shop_address(settings: BusinessSettings) -> str:
    """The shop's name over its address, as it goes on an envelope."""
    return "\n".join(line for line in (settings.shop_name, *settings.address.splitlines())
                     if line.strip())
