"""The role checks every service makes: buyers, a supplier's own people, and which side someone is on."""

import pytest

from bot.core.actors import Actor
from bot.core.errors import Forbidden
from bot.core.roles import require_buyer, require_side, require_supplier_of

BUYER = Actor(user_id="UB", kind="member", is_buyer=True)
CONTACT = Actor(user_id="UC", kind="external", supplier_ids=frozenset({7}))


def test_buyers_only():
    require_buyer(BUYER)
    with pytest.raises(Forbidden) as refused:
        require_buyer(CONTACT)
    assert refused.value.code == "buyers_only"


def test_only_the_suppliers_own_people_and_never_a_buyer():
    require_supplier_of(CONTACT, 7, refusal="supplier_only")
    for actor, supplier_id in ((CONTACT, 8), (BUYER, 7)):
        with pytest.raises(Forbidden) as refused:
            require_supplier_of(actor, supplier_id, refusal="supplier_only")
        assert refused.value.code == "supplier_only"


def test_side_of_a_relationship():
    assert require_side(BUYER, 7, refusal="ticket_unavailable") == "buyer"
    assert require_side(CONTACT, 7, refusal="ticket_unavailable") == "supplier"
    with pytest.raises(Forbidden) as refused:
        require_side(CONTACT, 8, refusal="ticket_unavailable")
    assert refused.value.code == "ticket_unavailable"
