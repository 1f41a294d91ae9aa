"""Letters and cards: the shop's templates (five of its own to start from, each editable, and
any the owner writes), filled in for each customer, and each one sent written on the
customer's timeline with its words, so nobody sends the same birthday card twice.

A template has a typeset part (a letter's body) and a handwritten part (the note), both with
placeholders as the invoice's thank-you note has; a line whose placeholder has nothing to fill
it is left out rather than printed half empty. Who gets one follows the mailing rules
(``MailingService.mailing``): a letter for offers goes only to those who agreed to post.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.actor import Actor
from crm_desktop.documents.post_document import CARD, FOLDED, LETTER, LetterDocument
from crm_desktop.errors import NotFoundError, ValidationError
from crm_desktop.formatting import local_zone
from crm_desktop.models import Customer, HistoryEntry, HistoryKind, Preference, Setting
from crm_desktop.permissions import Permission
from crm_desktop.services import placeholders
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.customers import lifecycle
from crm_desktop.services.customers.customer_service import overdue_invoices_query
from crm_desktop.services.mailing.mailing_service import Mailing, MailingService
from crm_desktop.storage.database import Database
from crm_desktop.validation import clean_multiline, clean_text, gather

SETTING_KEY = "letter_templates"
PLACEHOLDERS = {
    "first_name": "the customer's first name",
    "name": "the customer's full name",
    "preference": "their pinned preference",
    "owed": "what they owe on overdue invoices (“$120.00”)",
    "invoice": "the number of their oldest overdue invoice",
    "sender": "the sender's name",
    "shop": "the shop's name",
}
KINDS = {LETTER: "Letter (window envelope)", CARD: "Card (A6)",
         FOLDED: "Folded card (A5 sheet, folded to A6)"}
MAX_BODY, MAX_NOTE = 4000, 600


@dataclass(frozen=True)
class LetterTemplate:
    key: str
    name: str
    kind: str  # LETTER, CARD or FOLDED
    body: str  # typeset (a card has none)
    note: str  # in handwriting
    built_in: bool = False


BUILT_IN = (
    LetterTemplate("birthday", "Birthday card", CARD, "",
                   "Dear {first_name},\nhappy birthday from all of us at {shop}!\n"
                   "We hope your day is a lovely one.\nWarm wishes, {sender}", True),
    LetterTemplate("thank_you", "Thank-you card", CARD, "",
                   "Dear {first_name},\nthank you so much for choosing {shop}.\n"
                   "It is always a pleasure to see you.\n{sender}", True),
    LetterTemplate("miss_you", "We miss you", LETTER,
                   "Dear {first_name},\n\nit has been a while since we last saw you at {shop}, "
                   "and we have missed you.\n\nWe would love to welcome you back: do drop in "
                   "or give us a call whenever it suits you.",
                   "Hope to see you soon!\n{sender}", True),
    LetterTemplate("apology", "Apology after a complaint", LETTER,
                   "Dear {first_name},\n\nthank you for telling us what went wrong. You were "
                   "right to, and we are sorry: it was our mistake, not yours.\n\nWe have put "
                   "it right and changed how we work so that it does not happen again.",
                   "With our apologies and thanks,\n{sender}", True),
    LetterTemplate("payment_reminder", "Friendly payment reminder", LETTER,
                   "Dear {first_name},\n\na friendly note: our records show {owed} still open "
                   "on invoice {invoice}. If it has crossed with your payment, please ignore "
                   "this letter.\n\nIf anything about it is unclear, just call us and we will "
                   "sort it out together.",
                   "Thank you, {first_name}!\n{sender}", True),
)
_BY_KEY = {t.key: t for t in BUILT_IN}


@dataclass(frozen=True)
class Letters:
    """Letters or cards made for a group, ready to print: the PDF, who they go to (and who
    was left out), and each one's words, for the timeline once printed."""

    template: LetterTemplate
    pdf: bytes
    mailing: Mailing
    texts: dict[int, str]  # customer id → the words of their letter


class LetterService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._settings = SettingsService(database)
        self._mailing = MailingService(database)

    # ---- templates -------------------------------------------------------------------------

    def templates(self) -> list[LetterTemplate]:
        with self._db.read() as session:
            return _templates(session)

    def save_template(self, template: LetterTemplate, actor: Actor) -> LetterTemplate:
        """Keep the owner's words for ``template`` (a new one when its key is empty)."""
        errors: dict[str, str] = {}
        name = gather(errors, lambda: clean_text("name", "Name", template.name, max_length=80,
                                                 required=True), "")
        if template.kind not in KINDS:
            errors["kind"] = "Choose a letter or a card."
        words = gather(errors, lambda: self._cleaned_words(template), template)
        letter = template.kind == LETTER
        if not errors and not (words.body if letter else words.note).strip():
            errors["body" if letter else "note"] = ("Write what the letter says." if letter
                                                    else "Write what the card says.")
        if errors:
            raise ValidationError(errors)
        body, note = words.body, words.note
        with self._db.transaction(actor, Permission.CHANGE_SETTINGS) as session:
            stored = _stored(session)
            key = template.key or f"own-{uuid.uuid4().hex[:8]}"
            if template.key and template.key not in _BY_KEY and template.key not in stored:
                raise NotFoundError("That letter is not among the shop's letters (any more).")
            saved = LetterTemplate(key, name, template.kind, body if template.kind == LETTER
                                   else "", note, key in _BY_KEY)
            stored[key] = saved
            _store(session, stored)
            return saved

    def remove_template(self, key: str, actor: Actor) -> None:
        """Delete one of the owner's letters; one of the shop's own goes back to its words."""
        with self._db.transaction(actor, Permission.CHANGE_SETTINGS) as session:
            stored = _stored(session)
            stored.pop(key, None)
            _store(session, stored)

    # ---- letters ---------------------------------------------------------------------------

    def compose(self, customer_ids: Sequence[int], key: str, actor: Actor, *,
                marketing: bool, body: str | None = None, note: str | None = None) -> Letters:
        """The letter ``key`` for each customer who gets post (see ``MailingService``), with
        ``body`` and ``note`` instead of the template's words where given (edited for this
        once, placeholders and all)."""
        template = next((t for t in self.templates() if t.key == key), None)
        if template is None:
            raise ValidationError.single("template", "Choose one of the shop's letters.")
        if body is not None or note is not None:
            template = self._cleaned_words(replace(
                template, body=template.body if body is None else body,
                note=template.note if note is None else note))
        settings = self._settings.business()
        mailing = self._mailing.who(customer_ids, actor, marketing=marketing,
                                    home=settings.country)
        if not mailing.recipients:
            raise ValidationError.single("customers",
                                         f"Nobody to write to: {mailing.left_out()}.")
        today = self._db.clock().astimezone(local_zone()).date()
        documents: list[LetterDocument] = []
        texts: dict[int, str] = {}
        with self._db.read(actor, Permission.SEND_POST) as session:
            for recipient in mailing.recipients:
                values = _values(session, recipient.customer_id, settings, today)
                filled_body = placeholders.fill(template.body, values)
                filled_note = placeholders.fill(template.note, values)
                texts[recipient.customer_id] = "\n\n".join(
                    p for p in (filled_body, filled_note) if p)
                documents.append(LetterDocument(
                    template.kind, settings.shop_name, settings.address, recipient.address,
                    format_date(today, "long", locale=settings.locale), filled_body,
                    filled_note, seed=f"{template.key}:{recipient.customer_id}:{today}",
                    envelope=settings.envelope,
                    shop_contact="  ·  ".join(p for p in (settings.phone, settings.email)
                                              if p)))
        from crm_desktop.documents.letter_pdf import render_letters  # noqa: PLC0415

        return Letters(template, render_letters(documents, title=template.name), mailing,
                       texts)

    @staticmethod
    def _cleaned_words(template: LetterTemplate) -> LetterTemplate:
        """``template`` with its words as a form's would be stored (or a ValidationError
        naming each part that cannot be)."""
        errors: dict[str, str] = {}
        cleaned: dict[str, str] = {}
        for field, label, text, most in (
                ("body", "The letter", template.body, MAX_BODY),
                ("note", "The handwritten part", template.note, MAX_NOTE)):
            try:
                cleaned[field] = clean_multiline(field, label, text, max_length=most)
            except ValidationError as exc:
                errors.update(exc.errors)
                continue
            wrong = placeholders.problem(cleaned[field], PLACEHOLDERS)
            if wrong:
                errors[field] = wrong
        if errors:
            raise ValidationError(errors)
        return replace(template, body=cleaned["body"], note=cleaned["note"])

    def record_sent(self, letters: Letters, actor: Actor) -> int:
        """Each letter printed goes on its customer's timeline with its words, in one go."""
        now = self._db.clock()
        summary = f"{letters.template.name} sent"[:500]
        with self._db.transaction(actor, Permission.SEND_POST) as session:
            written = 0
            for customer_id, words in letters.texts.items():
                customer = session.get(Customer, customer_id)
                if customer is None or customer.deleted_at is not None:
                    continue  # gone since: nothing to write on
                session.add(HistoryEntry(customer_id=customer_id, kind=HistoryKind.LETTER,
                                         occurred_at=now, user_id=actor.user_id,
                                         summary=summary, details=words[:5000]))
                lifecycle.record_contact(customer, now)
                written += 1
            return written


def _stored(session: Session) -> dict[str, LetterTemplate]:
    raw = session.scalar(select(Setting.value).where(Setting.key == SETTING_KEY))
    found: dict[str, LetterTemplate] = {}
    try:
        rows = json.loads(raw) if raw else []
    except ValueError:
        rows = []
    for row in rows if isinstance(rows, list) else []:
        try:
            template = LetterTemplate(**row)
        except TypeError:
            continue  # not a template this version knows: left aside, never a crash
        found[template.key] = template
    return found


def _store(session: Session, templates: dict[str, LetterTemplate]) -> None:
    value = json.dumps([asdict(t) for t in templates.values()], ensure_ascii=False)
    row = session.get(Setting, SETTING_KEY)
    if row is None:
        session.add(Setting(key=SETTING_KEY, value=value))
    else:
        row.value = value


def _templates(session: Session) -> list[LetterTemplate]:
    stored = _stored(session)
    ours = [stored.get(t.key, t) for t in BUILT_IN]
    return ours + [t for k, t in stored.items() if k not in _BY_KEY]


def _values(session: Session, customer_id: int, settings: BusinessSettings,
            today: date) -> dict[str, str]:
    customer = session.get(Customer, customer_id)
    assert customer is not None
    preference = session.scalar(
        select(Preference.text).where(Preference.customer_id == customer_id)
        .order_by(Preference.pinned.desc(), Preference.position, Preference.id).limit(1))
    overdue = session.execute(overdue_invoices_query(customer_id, today)).all()
    owed = sum((Decimal(row[3]) for row in overdue), Decimal(0))
    return {
        "first_name": customer.first_name or customer.display_name,
        "name": customer.display_name,
        "preference": (preference or "").rstrip(". "),
        "owed": format_currency(owed, settings.currency, locale=settings.locale) if owed else "",
        "invoice": str(overdue[0][1] or "") if overdue else "",
        "sender": settings.sender_name or settings.shop_name,
        "shop": settings.shop_name,
    }
