"""Messages in linked channels are stored once, with author, side, text, files and time; edits and
deletions are followed, and nothing earlier is lost."""

import csv
import io
from datetime import UTC, datetime

from click.testing import CliRunner
from conftest import ACME_CHANNEL, ACME_USER, BUYER, INTERNAL_CHANNEL
from sqlmodel import select

from bot.cli import main
from models import ChannelMessage, MessageRevision, ProcessedEvent


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


def _stored(session, ts):
    return session.exec(select(ChannelMessage).where(ChannelMessage.ts == ts)).one()


def _history(session, message):
    query = (
        select(MessageRevision).where(MessageRevision.message_id == message.id).order_by(MessageRevision.id)
    )
    return [(r.text, r.written_at) for r in session.exec(query)]


def test_an_edited_message_shows_its_latest_text_and_keeps_the_earlier_ones(client, session):
    _link_acme(client)
    client.message("Ships Monday", user=ACME_USER, channel=ACME_CHANNEL, ts="1764000000.000100")
    first = client.message_changed("1764000000.000100", "Ships Tuesday", user=ACME_USER, channel=ACME_CHANNEL,
                                   previous="Ships Monday", edited_ts="1764000060.000000", event_id="Ev0EDIT1")  # fmt: skip
    client.message_changed("1764000000.000100", "Ships Tuesday", user=ACME_USER, channel=ACME_CHANNEL,
                           previous="Ships Monday", edited_ts="1764000060.000000", event_id="Ev0EDIT1")  # fmt: skip
    client.message_changed("1764000000.000100", "Ships Wednesday", user=ACME_USER, channel=ACME_CHANNEL,
                           previous="Ships Tuesday", edited_ts="1764000120.000000")  # fmt: skip
    # A link preview arriving later is reported as a change of the same text.
    client.message_changed("1764000000.000100", "Ships Wednesday", user=ACME_USER, channel=ACME_CHANNEL,
                           previous="Ships Wednesday", edited_ts="1764000130.000000")  # fmt: skip
    assert first.status == 200
    message = _stored(session, "1764000000.000100")
    assert (message.text, message.edited_at, message.deleted_at) == (
        "Ships Wednesday", datetime(2025, 11, 24, 16, 2, tzinfo=UTC), None)  # fmt: skip
    assert _history(session, message) == [
        ("Ships Monday", datetime(2025, 11, 24, 16, 0, 0, 100, tzinfo=UTC)),
        ("Ships Tuesday", datetime(2025, 11, 24, 16, 1, tzinfo=UTC)),
    ]
    assert len(session.exec(select(ChannelMessage)).all()) == 1


def test_a_deleted_message_is_marked_deleted_and_keeps_its_text(
    client, session, db_url, tmp_path, monkeypatch
):
    _link_acme(client)
    client.message("Price is 4.10 USD", user=BUYER, channel=ACME_CHANNEL, ts="1764000000.000200")
    assert client.message_deleted("1764000000.000200", user=BUYER, channel=ACME_CHANNEL,
                                  previous="Price is 4.10 USD").status == 200  # fmt: skip
    message = _stored(session, "1764000000.000200")
    assert message.text == "Price is 4.10 USD" and message.deleted_at is not None
    monkeypatch.chdir(tmp_path)
    output = CliRunner().invoke(main, ["export", "messages"], env={"DATABASE_URL": db_url}).output
    header, *rows = list(csv.reader(io.StringIO(output)))
    record = dict(zip(header, rows[-1], strict=True))
    assert (record["text"], record["deleted_at"]) == ("Price is 4.10 USD", message.deleted_at.isoformat())


def test_a_message_with_replies_deleted_leaves_a_tombstone(client, session):
    _link_acme(client)
    client.message("Question about labels", user=ACME_USER, channel=ACME_CHANNEL, ts="1764000000.000300")
    client.event({"type": "message", "subtype": "message_changed", "hidden": True, "channel": ACME_CHANNEL,
                  "ts": "1764000100.000000", "message": {"type": "message", "subtype": "tombstone", "hidden": True,
                  "text": "This message was deleted.", "ts": "1764000000.000300", "user": "USLACKBOT"},
                  "previous_message": {"type": "message", "user": ACME_USER, "text": "Question about labels",
                                       "ts": "1764000000.000300"}})  # fmt: skip
    message = _stored(session, "1764000000.000300")
    assert (message.text, message.deleted_at) == (
        "Question about labels",
        datetime(2025, 11, 24, 16, 1, 40, tzinfo=UTC),
    )


def test_an_edit_of_a_message_never_seen_stores_it_and_unlinked_channels_store_nothing(client, session):
    _link_acme(client)
    client.message_changed("1764000000.000400", "Sent while you were away", user=ACME_USER, channel=ACME_CHANNEL,
                           previous="Sent", edited_ts="1764000060.000000")  # fmt: skip
    message = _stored(session, "1764000000.000400")
    assert (message.text, message.side, message.edited_at) == (
        "Sent while you were away", "supplier", datetime(2025, 11, 24, 16, 1, tzinfo=UTC))  # fmt: skip
    client.message_changed(
        "1764000000.000500", "internal", user=BUYER, channel=INTERNAL_CHANNEL, previous="x"
    )
    client.message_deleted("1764000000.000400", user=ACME_USER, channel=INTERNAL_CHANNEL, previous="x")
    assert _stored(session, "1764000000.000400").deleted_at is None
    assert (
        session.exec(select(ChannelMessage).where(ChannelMessage.channel_id == INTERNAL_CHANNEL)).all() == []
    )
