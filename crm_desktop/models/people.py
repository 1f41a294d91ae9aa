"""Users, customers and everything the shop remembers about a person."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_desktop.models.base import Base, Tracked, money_type, str_enum
from crm_desktop.models.enums import (
    AddressKind,
    ConsentChannel,
    ConsentMethod,
    ContactKind,
    CustomerStatus,
    DateKind,
    HistoryKind,
    PreferenceKind,
    Role,
)


class User(Tracked, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A first password the owner gave (or reset) is replaced by the person's own at sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]


class SignInFailures(Base):
    """Failed sign-ins in a row under one typed name (known to the shop or not, so the delay
    they earn does not tell which names exist). Emptied by a successful sign-in."""

    __tablename__ = "sign_in_failures"

    name_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime]


customer_tags = Table(
    "customer_tags",
    Base.metadata,
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Tracked, Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    # Case-folded name: "VIP" and "vip" are the same tag.
    name_key: Mapped[str] = mapped_column(String(60), unique=True)
    color: Mapped[str | None] = mapped_column(String(9))


_LIVE = text("deleted_at IS NULL")
_QUIET_CANDIDATES = text("deleted_at IS NULL AND status = 'customer'")



def current_customers() -> tuple[ColumnElement[bool], ...]:
    """Customers (not prospects, not lost) not in the trash, written with its constants as
    ``ix_customers_quiet`` is, so SQLite may use it (a bound parameter is not the same term).
    """
    return (Customer.deleted_at.is_(None), Customer.status == literal_column("'customer'"))


def customer_name(first: str, last: str, company: str | None, customer_id: int) -> str:
    """How a customer is called everywhere: the person's name, else the company."""
    return " ".join(p for p in (first, last) if p) or company or f"Customer {customer_id}"

class Customer(Tracked, Base):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("lifetime_value >= 0", name="lifetime_value_not_negative"),
        CheckConstraint(
            "status <> 'lost' OR lost_reason IS NOT NULL", name="lost_needs_reason"
        ),
        # The list's sort orders, over live customers only: the list always filters on
        # deleted_at IS NULL, so paging and counting walk these indexes alone.
        *(
            Index(name, *columns, sqlite_where=_LIVE, postgresql_where=_LIVE)
            for name, columns in (
                ("ix_customers_sort_name_id", ("sort_name", "id")),
                ("ix_customers_status_sort_name", ("status", "sort_name", "id")),
                ("ix_customers_owner_sort_name", ("owner_id", "sort_name", "id")),
                ("ix_customers_last_contact", ("last_contact_at", "id")),
                ("ix_customers_next_follow_up", ("next_follow_up_at", "id")),
                ("ix_customers_lifetime_value", ("lifetime_value", "id")),
                ("ix_customers_quiet_after", ("quiet_after_at", "id")),
                ("ix_customers_first_order", ("first_order_at", "id")),  # new, per period
            )
        ),
        # Customers who went quiet, and when: the at-risk rule and the customers report read
        # it alone (covering, deleted_at included). Partial on the literal status, so only
        # queries that write status = 'customer' as a constant use it: Today's list of quiet
        # customers (status IN …, newest first) keeps walking ix_customers_quiet_after in
        # order. It leads with status, or SQLite's planner, which has no statistics, would
        # rather take ix_customers_status_sort_name (70,000 rows).
        Index("ix_customers_quiet", "status", "quiet_after_at", "last_contact_at",
              "deleted_at", sqlite_where=_QUIET_CANDIDATES,
              postgresql_where=_QUIET_CANDIDATES),
        # Only the trash looks rows up by deleted_at; an index over every live row would lure
        # the planner away from the sort indexes above (measured: a full sort per page).
        Index(
            "ix_customers_trash",
            "deleted_at",
            sqlite_where=text("deleted_at IS NOT NULL"),
            postgresql_where=text("deleted_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company: Mapped[str | None] = mapped_column(String(200))
    # "Smith Jim" folded to lower case without accents: the sort and prefix-search key.
    sort_name: Mapped[str] = mapped_column(String(320))
    status: Mapped[CustomerStatus] = mapped_column(
        str_enum(CustomerStatus, "customer_status"), default=CustomerStatus.PROSPECT
    )
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[datetime | None]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str | None] = mapped_column(String(200))
    # Kept up to date by the services that write history, follow-ups and invoices, so the
    # customer list can sort on them in SQL with an index.
    last_contact_at: Mapped[datetime | None]
    next_follow_up_at: Mapped[datetime | None]
    # Their usual rhythm: the running mean of the gaps (a day or more) between contacts, and
    # when they count as gone quiet (last contact + that gap). Kept by lifecycle.record_contact.
    gap_count: Mapped[int] = mapped_column(default=0)
    usual_gap_days: Mapped[float | None]
    quiet_after_at: Mapped[datetime | None]
    first_order_at: Mapped[datetime | None]
    lifetime_value: Mapped[Decimal] = mapped_column(money_type(), default=Decimal("0.00"))
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Their personal data was erased on request: only the shop's records of them remain.
    erased_at: Mapped[datetime | None]
    # The owner reviewed them as long inactive and chose to keep them (asked again only when
    # another retention period has passed).
    retention_kept_at: Mapped[datetime | None]

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    contact_points: Mapped[list[ContactPoint]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="ContactPoint.position"
    )
    addresses: Mapped[list[Address]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Address.position"
    )
    preferences: Mapped[list[Preference]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Preference.position"
    )
    notes: Mapped[list[PersonalNote]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="PersonalNote.id"
    )
    important_dates: Mapped[list[ImportantDate]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="ImportantDate.id"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=customer_tags, order_by="Tag.name_key")
    consents: Mapped[list[MarketingConsent]] = relationship(
        back_populates="customer", cascade="all, delete-orphan",
        order_by="MarketingConsent.channel")

    @property
    def display_name(self) -> str:
        return customer_name(self.first_name, self.last_name, self.company, self.id)


class MarketingConsent(Tracked, Base):
    """A customer's answer, per channel, to "may we send you offers?": given or withdrawn,
    when and how. No row is "never asked", which counts as no. Every change is in the audit
    trail, so earlier answers can still be shown."""

    __tablename__ = "marketing_consents"
    __table_args__ = (
        # The audience of a mailing: everyone who said yes on a channel.
        Index("ix_marketing_consents_channel_given", "channel", "given", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[ConsentChannel] = mapped_column(str_enum(ConsentChannel, "consent_channel"))
    given: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime]
    method: Mapped[ConsentMethod] = mapped_column(str_enum(ConsentMethod, "consent_method"))
    note: Mapped[str] = mapped_column(String(200), default="")

    customer: Mapped[Customer] = relationship(back_populates="consents")


Index("uq_marketing_consents_customer_channel", MarketingConsent.customer_id,
      MarketingConsent.channel, unique=True)


class CustomerSearch(Base):
    """Search text derived from a customer, folded to lower case without accents.

    Rebuilt by ``crm_desktop.services.customers.search_index`` on every write that changes
    what can be searched. On SQLite an FTS5 trigram table mirrors it (kept in step by triggers); on
    PostgreSQL trigram GIN indexes cover ``all_text`` and ``digits``. Derived data: not
    audited, no version.
    """

    __tablename__ = "customer_search"
    __table_args__ = (
        # Prefix ranges for "starts with" matches (the best-ranked ones), found without FTS.
        Index("ix_customer_search_name", "name"),
        Index("ix_customer_search_company", "company"),
    )

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    name: Mapped[str] = mapped_column(Text, default="")  # "margo nunez"
    company: Mapped[str] = mapped_column(Text, default="")
    emails: Mapped[str] = mapped_column(Text, default="")
    # Each phone's digits twice: international ("15550134567") and national ("5550134567").
    digits: Mapped[str] = mapped_column(Text, default="")
    other: Mapped[str] = mapped_column(Text, default="")  # tags, preferences, personal notes
    all_text: Mapped[str] = mapped_column(Text, default="")  # name company emails other


class ContactPoint(Tracked, Base):
    """A phone number or e-mail address. At most one primary of each kind per customer."""

    __tablename__ = "contact_points"
    __table_args__ = (
        Index("ix_contact_points_normalized", "normalized"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ContactKind] = mapped_column(str_enum(ContactKind, "contact_kind"))
    label: Mapped[str] = mapped_column(String(40), default="")
    value: Mapped[str] = mapped_column(String(254))
    # E.164 for phones, lower-cased address for e-mails: what duplicates are matched on.
    normalized: Mapped[str] = mapped_column(String(254))
    # Phone digits only, for "type any fragment of the number" search.
    digits: Mapped[str | None] = mapped_column(String(32))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    customer: Mapped[Customer] = relationship(back_populates="contact_points")


Index(
    "uq_contact_points_one_primary",
    ContactPoint.customer_id,
    ContactPoint.kind,
    unique=True,
    sqlite_where=text("is_primary"),
    postgresql_where=text("is_primary"),
)


class Address(Tracked, Base):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AddressKind] = mapped_column(str_enum(AddressKind, "address_kind"))
    label: Mapped[str] = mapped_column(String(40), default="")
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    customer: Mapped[Customer] = relationship(back_populates="addresses")


class Preference(Tracked, Base):
    """How the customer likes to be served. Pinned ones appear in the profile's banner."""

    __tablename__ = "preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[PreferenceKind] = mapped_column(str_enum(PreferenceKind, "preference_kind"))
    text: Mapped[str] = mapped_column(String(1000))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    customer: Mapped[Customer] = relationship(back_populates="preferences")


class PersonalNote(Tracked, Base):
    """'Alecia's cat is at the vet.' Pinned notes appear in the profile's banner."""

    __tablename__ = "personal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(back_populates="notes")


class ImportantDate(Tracked, Base):
    __tablename__ = "important_dates"
    __table_args__ = (
        CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        CheckConstraint("day BETWEEN 1 AND 31", name="day_range"),
        CheckConstraint("year IS NULL OR year BETWEEN 1800 AND 2200", name="year_range"),
        Index("ix_important_dates_month_day", "month", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DateKind] = mapped_column(str_enum(DateKind, "date_kind"))
    label: Mapped[str] = mapped_column(String(100), default="")
    month: Mapped[int] = mapped_column(SmallInteger)
    day: Mapped[int] = mapped_column(SmallInteger)
    year: Mapped[int | None] = mapped_column(SmallInteger)  # optional: "born some year in May"

    customer: Mapped[Customer] = relationship(back_populates="important_dates")


class HistoryEntry(Tracked, Base):
    """A call, visit, e-mail, letter or note: who, when, what was said, how it went."""

    __tablename__ = "history_entries"
    __table_args__ = (Index("ix_history_entries_customer_when", "customer_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[HistoryKind] = mapped_column(str_enum(HistoryKind, "history_kind"))
    occurred_at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(String(500))
    details: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(500), default="")
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
