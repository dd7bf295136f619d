"""Who may do what: the role checks every service makes, in one place.

Each raises Forbidden, so a refusal is audited as such. `refusal` is the error code the domain shows
(its text belongs to that domain's errors module).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select

from bot.core.actors import Actor
from bot.core.errors import Forbidden


def require_buyer(actor: Actor) -> None:
    """Only buyers (full members of the workspace) may do this."""
    if not actor.is_buyer:
        raise Forbidden("buyers_only")


def require_supplier_of(actor: Actor, supplier_id: int, *, refusal: str) -> None:
    """Only the supplier's own people may do this; buyers are not supplier-side."""
    if supplier_id not in actor.supplier_ids:
        raise Forbidden(refusal)


def require_side(actor: Actor, supplier_id: int, *, refusal: str) -> str:
    """The actor's side of this supplier relationship, `buyer` or `supplier`; anyone else is refused."""
    if actor.is_buyer:
        return "buyer"
    require_supplier_of(actor, supplier_id, refusal=refusal)
    return "supplier"


def visible_to(actor: Actor, query: Select, supplier_id: ColumnElement) -> Select:
    """`query` narrowed to the suppliers the actor may see: buyers see every one, contacts their own."""
    if actor.is_buyer:
        return query
    return query.where(supplier_id.in_(actor.supplier_ids or [-1]))
