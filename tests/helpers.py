"""Small assertions shared by the tests."""

from __future__ import annotations

from conftest import ACME_CHANNEL, BUYER
from sqlalchemy import func
from sqlmodel import Session, select

from bot.core.i18n import _, use_locale
from models import AuditEvent, Card, Order, OutboxMessage, Supplier, SupplierChannel


def counts(session: Session) -> dict[str, int]:
    """Rows that a refused request must not have added."""
    session.expire_all()
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).one()
        for model in (Supplier, SupplierChannel, AuditEvent, OutboxMessage)
    }


def translated(locale: str, message: str, **params: object) -> str:
    """`message` as a reader of `locale` sees it."""
    with use_locale(locale):
        text = _(message)
    return text.format(**params) if params else text


# Orders in Acme's shared channel (the `acme` fixture).


def issue_order(client, text='order new PO-1 qty=100 due=2026-12-15 item="Blue mug"'):
    response = client.command(text, user=BUYER, channel=ACME_CHANNEL)
    assert response.status == 200
    return response


def order_named(session, po="PO-1"):
    return session.exec(select(Order).where(Order.po == po)).one()


def card_ts(slack, session, po="PO-1"):
    order = order_named(session, po)
    return slack.wait_for(lambda: session.get(Card, order.card_id).ts, what="card delivered")


def order_card(slack, session, po="PO-1"):
    """The latest version of the order card as the supplier's channel shows it."""
    return slack.messages[(ACME_CHANNEL, card_ts(slack, session, po))]


def buttons(card):
    return [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def thread_posts(slack, ts):
    return [c.params for c in slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
