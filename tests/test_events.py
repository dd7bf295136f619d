"""Messages in linked channels are stored once, with author, side, text, files and time."""

from conftest import ACME_CHANNEL, ACME_USER, BUYER, INTERNAL_CHANNEL
from sqlmodel import select

from models import ChannelMessage, ProcessedEvent


def _link_acme(client):
    assert (
        client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL).status
        == 200
    )


def test_messages_in_a_linked_channel_are_stored_with_their_side(client, session):
    _link_acme(client)
    client.message(
        "Fabric arrived, starting cutting", user=ACME_USER, channel=ACME_CHANNEL, ts="1763800000.000100"
    )
    client.message(
        "Thanks!", user=BUYER, channel=ACME_CHANNEL, thread_ts="1763800000.000100", ts="1763800100.000200"
    )
    rows = session.exec(select(ChannelMessage).order_by(ChannelMessage.ts)).all()
    assert [(m.user_id, m.side, m.text, m.thread_ts) for m in rows] == [
        (ACME_USER, "supplier", "Fabric arrived, starting cutting", None),
        (BUYER, "buyer", "Thanks!", "1763800000.000100"),
    ]
    assert rows[0].posted_at.isoformat() == "2025-11-22T08:26:40.000100+00:00"


def test_shared_files_are_stored(client, session):
    _link_acme(client)
    files = [
        {"id": "F0001", "name": "packing-list.pdf", "permalink": "https://files.example/F0001", "size": 10}
    ]
    client.message("packing list", user=ACME_USER, channel=ACME_CHANNEL, files=files)
    stored = session.exec(select(ChannelMessage)).one()
    assert stored.files == [
        {"id": "F0001", "name": "packing-list.pdf", "permalink": "https://files.example/F0001"}
    ]


def test_an_event_delivered_twice_is_stored_once(client, session):
    _link_acme(client)
    first = client.message(
        "60% cutting done", user=ACME_USER, channel=ACME_CHANNEL, event_id="Ev0DUP", ts="1.1"
    )
    again = client.event(
        {"type": "message", "channel": ACME_CHANNEL, "user": ACME_USER, "text": "60% cutting done", "ts": "1.1"},
        event_id="Ev0DUP", retry=1,
    )  # fmt: skip
    assert first.status == again.status == 200
    assert len(session.exec(select(ChannelMessage)).all()) == 1
    assert len(session.exec(select(ProcessedEvent).where(ProcessedEvent.event_id == "Ev0DUP")).all()) == 1


def test_messages_outside_linked_channels_are_not_stored(client, session):
    _link_acme(client)
    client.message("internal chatter", user=BUYER, channel=INTERNAL_CHANNEL)
    assert session.exec(select(ChannelMessage)).all() == []


def test_edits_and_bot_messages_are_not_stored_as_new_messages(client, session):
    _link_acme(client)
    client.event({"type": "message", "subtype": "message_changed", "channel": ACME_CHANNEL, "ts": "2.2",
                  "message": {"text": "edited", "user": ACME_USER}})  # fmt: skip
    client.event({"type": "message", "subtype": "bot_message", "bot_id": "B0OTHER", "channel": ACME_CHANNEL,
                  "text": "beep", "ts": "3.3"})  # fmt: skip
    assert session.exec(select(ChannelMessage)).all() == []
