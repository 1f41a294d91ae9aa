"""Every closed list of values in the product, as str enums stored by value."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    RECEPTIONIST = "receptionist"
    VIEWER = "viewer"  # reads everything, changes nothing (a bookkeeper)


class CustomerStatus(StrEnum):
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    INACTIVE = "inactive"
    LOST = "lost"


class ContactKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"


class AddressKind(StrEnum):
    BILLING = "billing"
    SHIPPING = "shipping"


class PreferenceKind(StrEnum):
    CHANNEL = "channel"
    BEST_TIME = "best_time"
    LANGUAGE = "language"
    SERVICE_STYLE = "service_style"
    OTHER = "other"


class DateKind(StrEnum):
    BIRTHDAY = "birthday"
    ANNIVERSARY = "anniversary"
    CUSTOM = "custom"


class HistoryKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    EMAIL = "email"
    LETTER = "letter"
    NOTE = "note"


class OrderState(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class OrderEventKind(StrEnum):
    PLACED = "placed"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"  # a line (or part of it) reached the customer
    RETURNED = "returned"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class RefundKind(StrEnum):
    REFUND = "refund"
    CREDIT = "credit"


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceState(StrEnum):
    """Stored states. Partly paid, paid and overdue are computed from payments and the due date."""

    DRAFT = "draft"
    ISSUED = "issued"
    VOID = "void"


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    CHEQUE = "cheque"
    OTHER = "other"


class FollowUpChannel(StrEnum):
    CALL = "call"
    VISIT = "visit"
    EMAIL = "email"
    LETTER = "letter"
    CARD = "card"


class FollowUpState(StrEnum):
    SUGGESTED = "suggested"
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
    DISMISSED = "dismissed"


class QueryChannel(StrEnum):
    PHONE = "phone"
    WALK_IN = "walk_in"
    EMAIL = "email"
    LETTER = "letter"
    OTHER = "other"


class QueryStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class QueryEventKind(StrEnum):
    LOGGED = "logged"
    STATUS = "status"  # moved along new → in progress → waiting → resolved → closed
    REOPENED = "reopened"
    REASSIGNED = "reassigned"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class FeedbackKind(StrEnum):
    COMPLAINT = "complaint"
    WIN = "win"
    SUGGESTION = "suggestion"
    SURVEY = "survey"


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    RESTORE = "restore"  # the shop was put back as a backup held it


class ConsentChannel(StrEnum):
    """How the shop may reach a customer for marketing (a newsletter, a card about a sale)."""

    POST = "post"
    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"


class ConsentMethod(StrEnum):
    """How a customer gave or withdrew their consent: what the shop would show if asked."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    IN_WRITING = "in_writing"
    EMAIL = "email"
    ONLINE_FORM = "online_form"


class ImportAction(StrEnum):
    """What an import did to a customer."""

    CREATED = "created"
    UPDATED = "updated"  # filled in what we did not have yet
    MERGED = "merged"  # everything the file had was added
