"""Order rules: issuing, confirming, date proposals, receipts, inspections, closing and cancelling.

Every change is one transaction with one audit event; nothing here knows about Slack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.numbers import list_currencies
from sqlalchemy import func
from sqlmodel import Session, select

from bot.core import geo
from bot.core.actors import Actor
from bot.core.audit import record_event
from bot.core.db import lock_row
from bot.core.errors import DomainError, Forbidden
from bot.core.roles import require_buyer, require_supplier_of, visible_to
from models import DateProposal, Inspection, Order, Receipt, Supplier, utcnow
from models.orders import ORDER_STATUSES

PO_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/#-]{0,63}$")
FINAL = {"closed", "cancelled"}
CAN_PROPOSE = {"issued", "confirmed", "in_production"}
CAN_RECEIVE = {"issued", "confirmed", "in_production", "shipped", "partially_received"}
CAN_CANCEL = {"issued", "confirmed", "in_production", "shipped"}
QUANTITY_MAX = 1_000_000_000
ITEM_MAX = 500


WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def parse_quantity(value: str | int | None, field: str = "qty") -> int:
    """A whole number ≥ 1 written in plain digits (no decimals, exponents or digit separators)."""
    if isinstance(value, bool) or not (
        isinstance(value, int) or WHOLE_NUMBER.fullmatch(str(value or "").strip())
    ):
        raise DomainError("not_a_whole_number", field=field, value=value or "")
    number = int(str(value).strip())
    if number <= 0 or number > QUANTITY_MAX:
        raise DomainError("must_be_positive", field=field, value=value)
    return number


def parse_count(value: str | int | None, field: str) -> int:
    """A whole number ≥ 0."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError("not_a_whole_number", field=field, value=value or "") from None
    if number < 0 or number > QUANTITY_MAX:
        raise DomainError("must_not_be_negative", field=field, value=value)
    return number


def parse_date(value: str | date | None, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError("not_a_date", field=field, value=value or "") from None


def parse_po(value: str) -> str:
    """A PO number as written (compared case-insensitively: see `po_key`)."""
    po = value.strip()
    if not PO_PATTERN.match(po):
        raise DomainError("po_invalid", po=po)
    return po


def po_key(po: str) -> str:
    """What makes two PO numbers of one supplier the same order."""
    return po.strip().casefold()


def parse_price(value: str | None) -> Decimal | None:
    """A unit price ≥ 0 (empty: none)."""
    if value in (None, ""):
        return None
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError("not_a_price", value=value) from None
    if price < 0 or not price.is_finite() or price > Decimal("1e12"):
        raise DomainError("not_a_price", value=value)
    return price


def parse_currency(value: str | None, price: Decimal | None, default_currency: str) -> str | None:
    """An ISO 4217 code; without one, the default currency when there is a price."""
    currency = (value or "").strip().upper() or (default_currency if price is not None else None)
    if currency is not None and currency not in _currencies():
        raise DomainError("unknown_currency", currency=currency)
    return currency


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def check_item(item: str) -> None:
    if len(item) > ITEM_MAX:
        raise DomainError("item_too_long", max=ITEM_MAX)


def check_status(status: str) -> str:
    """One of the order states `srm export orders` shows."""
    if status not in ORDER_STATUSES:
        raise DomainError("unknown_status", status=status, statuses=", ".join(ORDER_STATUSES))
    return status


def status_after_receipts(status: str, received: int, quantity: int) -> str:
    """An open order is received once the receipts reach its quantity (over-delivery counts), partially
    received before; a closed or cancelled order keeps its state."""
    if status in FINAL:
        return status
    return "received" if received >= quantity else "partially_received"


def audit(session: Session, actor: Actor, order: Order, action: str, before: dict | None, after: dict | None):
    record_event(
        session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="order",
        object_id=order.id, action=action, before=before, after=after,
    )  # fmt: skip


@dataclass(frozen=True)
class NewOrder:
    po: str
    quantity: str | int
    due: str | date
    item: str = ""
    price: str | None = None
    currency: str | None = None


def create_order(
    *,
    session: Session,
    actor: Actor,
    supplier: Supplier,
    channel_id: str,
    new: NewOrder,
    default_currency: str,
    default_timezone: str,
) -> Order:
    """Issue an order to `supplier`; raises DomainError (nothing written) on bad input.

    The due date may be today or later, today as the buyer means it: in their zone, else the supplier's,
    else the app's default."""
    require_buyer(actor)
    po = parse_po(new.po)
    quantity = parse_quantity(new.quantity)
    due = parse_date(new.due, "due")
    today = geo.today_in(actor.profile_tz, supplier.timezone, default_timezone)
    if due < today:
        raise DomainError("due_in_past", field="due", due=due.isoformat(), today=today.isoformat())
    price = parse_price(new.price)
    currency = parse_currency(new.currency, price, default_currency)
    check_item(new.item)
    existing = select(Order.id).where(Order.supplier_id == supplier.id, Order.po_key == po_key(po))
    if session.exec(existing).first() is not None:
        raise DomainError("duplicate_po", po=po, supplier=supplier.name)
    order = Order(
        supplier_id=supplier.id, po=po, po_key=po_key(po), item=new.item.strip(), quantity=quantity,
        unit_price=price, currency=currency, due_date=due, original_due_date=due, channel_id=channel_id,
        issued_by=actor.user_id,
    )  # fmt: skip
    session.add(order)
    session.flush()
    audit(
        session, actor, order, "issued", None, {"po": po, "quantity": quantity, "due_date": due.isoformat()}
    )
    return order


def order_for(*, session: Session, actor: Actor, order_id: int | str | None) -> Order:
    """The order a button or modal names, re-checked against the actor's rights (values can be forged)."""
    try:
        order = session.get(Order, int(order_id))
    except (TypeError, ValueError):
        order = None
    if order is None or not actor.can_act_for(order.supplier_id):
        raise Forbidden("order_unavailable")
    return order


def find_order(*, session: Session, actor: Actor, po: str, supplier_id: int | None = None) -> Order:
    """An order by PO; inside a supplier's channel that supplier's, elsewhere the only one with that PO."""
    query = select(Order).where(Order.po_key == po_key(po))
    if supplier_id is not None:
        query = query.where(Order.supplier_id == supplier_id)
    query = visible_to(actor, query, Order.supplier_id)
    found = session.exec(query.limit(2)).all()
    if not found:
        raise DomainError("order_not_found", po=po)
    if len(found) > 1:
        raise DomainError("po_ambiguous", po=po)
    return found[0]


def received_quantity(session: Session, order_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(Receipt.quantity), 0)).where(Receipt.order_id == order_id)
    )
    return int(total.one())


def require_supplier_side(actor: Actor, order: Order) -> None:
    """Only the order's supplier's own people act on it as the supplier."""
    require_supplier_of(actor, order.supplier_id, refusal="supplier_only")


def require_status(order: Order, allowed: set[str]) -> None:
    if order.status not in allowed:
        raise DomainError("order_state", po=order.po, status=order.status)


def check_can_propose(actor: Actor, order: Order) -> None:
    """The supplier side may propose a new date while the order is open (checked before the form opens too)."""
    require_supplier_side(actor, order)
    require_status(order, CAN_PROPOSE)


def confirm_order(*, session: Session, actor: Actor, order: Order) -> Order:
    """The supplier confirms the order as issued (once)."""
    lock_row(session, order)
    require_supplier_side(actor, order)
    if order.confirmed_at is not None:
        raise DomainError("already_confirmed", po=order.po)
    require_status(order, {"issued"})
    order.status, order.confirmed_by, order.confirmed_at = "confirmed", actor.user_id, utcnow()
    order.updated_at = order.confirmed_at
    audit(session, actor, order, "confirmed", {"status": "issued"}, {"status": "confirmed"})
    return order


def propose_date(
    *, session: Session, actor: Actor, order: Order, proposed: str | date, reason: str
) -> DateProposal:
    """The supplier proposes a new due date; buyers decide."""
    lock_row(session, order)
    check_can_propose(actor, order)
    new_date = parse_date(proposed, "date")
    if new_date == order.due_date:
        raise DomainError("same_date", po=order.po)
    if not reason.strip():
        raise DomainError("reason_needed")
    pending = select(DateProposal.id).where(
        DateProposal.order_id == order.id, DateProposal.status == "pending"
    )
    if session.exec(pending).first() is not None:
        raise DomainError("proposal_pending", po=order.po)
    proposal = DateProposal(
        order_id=order.id, proposed_date=new_date, previous_date=order.due_date, reason=reason.strip()[:2000],
        proposed_by=actor.user_id,
    )  # fmt: skip
    session.add(proposal)
    session.flush()
    audit(session, actor, order, "date_proposed", {"due_date": order.due_date.isoformat()},
          {"proposed_date": new_date.isoformat(), "proposal_id": proposal.id})  # fmt: skip
    return proposal


def decide_proposal(
    *, session: Session, actor: Actor, proposal_id: int | str | None, accept: bool
) -> DateProposal:
    """A buyer accepts (the agreed date changes) or declines a pending proposal."""
    require_buyer(actor)
    try:
        proposal = session.get(DateProposal, int(proposal_id))
    except (TypeError, ValueError):
        proposal = None
    if proposal is None:
        raise DomainError("proposal_not_found")
    order = session.get(Order, proposal.order_id)
    lock_row(session, order)  # the order first, as every other change of it does
    lock_row(session, proposal)
    if proposal.status != "pending":
        raise DomainError("proposal_decided", po=order.po)
    require_status(order, CAN_PROPOSE)
    proposal.status = "accepted" if accept else "declined"
    proposal.decided_by, proposal.decided_at = actor.user_id, utcnow()
    before = {"due_date": order.due_date.isoformat()}
    if accept:
        order.due_date, order.updated_at = proposal.proposed_date, proposal.decided_at
    audit(session, actor, order, f"date_{proposal.status}", before,
          {"due_date": order.due_date.isoformat(), "proposal_id": proposal.id})  # fmt: skip
    return proposal


def local_today(*, session: Session, actor: Actor, order: Order, default_timezone: str) -> date:
    """Today as the person acting means it: in their own zone, else the order's supplier's, else the
    app's default."""
    supplier = session.get(Supplier, order.supplier_id)
    return geo.today_in(actor.profile_tz, supplier.timezone if supplier else None, default_timezone)


def record_receipt(
    *, session: Session, actor: Actor, order: Order, quantity: str | int, received_on: str | date | None,
    default_timezone: str,
) -> Receipt:  # fmt: skip
    """Goods arrived; partial receipts add up and each is judged on time against the agreed due date.

    Dates are the buyer's local dates: without `received_on`, the receipt is dated their today."""
    lock_row(session, order)
    require_buyer(actor)
    require_status(order, CAN_RECEIVE)
    amount = parse_quantity(quantity)
    if received_on:
        day = parse_date(received_on, "date")
    else:
        day = local_today(session=session, actor=actor, order=order, default_timezone=default_timezone)
    already = received_quantity(session, order.id)
    if already + amount > order.quantity:
        raise DomainError("receive_too_much", po=order.po, remaining=order.quantity - already)
    receipt = Receipt(order_id=order.id, quantity=amount, received_on=day, on_time=day <= order.due_date,
                      due_date=order.due_date, recorded_by=actor.user_id)  # fmt: skip
    session.add(receipt)
    before = order.status
    order.status = status_after_receipts(order.status, already + amount, order.quantity)
    order.updated_at = utcnow()
    session.flush()
    audit(session, actor, order, "received", {"status": before, "received": already},
          {"status": order.status, "received": already + amount, "on_time": receipt.on_time})  # fmt: skip
    return receipt


def record_inspection(
    *, session: Session, actor: Actor, order: Order, sampled: str | int, defects: str | int, note: str,
    max_defect_percent: float, default_timezone: str,
) -> Inspection:  # fmt: skip
    """An inspection result, accepted or rejected by the lot rule, dated as receipts are (the inspector's
    today: their zone, else the supplier's, else the app's default)."""
    lock_row(session, order)
    require_buyer(actor)
    if order.status == "cancelled":
        raise DomainError("order_state", po=order.po, status=order.status)
    sample = parse_quantity(sampled, "sampled")
    found = parse_count(defects, "defects")
    if found > sample:
        raise DomainError("defects_exceed_sample", defects=found, sampled=sample)
    accepted = lot_accepted(sample, found, max_defect_percent)
    day = local_today(session=session, actor=actor, order=order, default_timezone=default_timezone)
    inspection = Inspection(order_id=order.id, sampled=sample, defects=found, accepted=accepted,
                            max_defect_percent=max_defect_percent, note=note.strip()[:2000], inspected_by=actor.user_id,
                            inspected_on=day)  # fmt: skip
    session.add(inspection)
    session.flush()
    audit(
        session, actor, order, "inspected", None, {"sampled": sample, "defects": found, "accepted": accepted}
    )
    return inspection


def lot_accepted(sampled: int, defects: int, max_defect_percent: float) -> bool:
    """The lot rule: accepted when at most `max_defect_percent` of the sample is defective."""
    return defects * 100 <= max_defect_percent * sampled


def close_order(*, session: Session, actor: Actor, order: Order) -> Order:
    """A buyer closes a fully received order."""
    lock_row(session, order)
    require_buyer(actor)
    require_status(order, {"received"})
    order.status, order.closed_at = "closed", utcnow()
    order.updated_at = order.closed_at
    audit(session, actor, order, "closed", {"status": "received"}, {"status": "closed"})
    return order


def cancel_order(*, session: Session, actor: Actor, order: Order) -> Order:
    lock_row(session, order)
    require_buyer(actor)
    require_status(order, CAN_CANCEL)
    before = order.status
    order.status, order.updated_at = "cancelled", utcnow()
    audit(session, actor, order, "cancelled", {"status": before}, {"status": "cancelled"})
    return order


def visible_orders(
    *, session: Session, actor: Actor, status: str | None = None, limit: int = 40
) -> list[tuple[Order, str]]:
    """Orders with their supplier's name, newest first; a supplier contact sees only its own."""
    query = (
        select(Order, Supplier.name)
        .join(Supplier)
        .order_by(Order.issued_at.desc(), Order.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(Order.status == status)
    query = visible_to(actor, query, Order.supplier_id)
    return list(session.exec(query).all())
