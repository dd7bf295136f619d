"""`srm import`: ERP data and history in, through the real command line, all or nothing per file."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from conftest import ACME_CHANNEL, BUYER
from helpers import card_ts, issue_order, order_named
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import select

from bot.cli import main
from models import AuditEvent, Inspection, Order, OutboxMessage, Receipt, Supplier, SupplierChannel, Ticket

SUPPLIERS = """name,country,locale,timezone,channel_id
Acme Textiles,CN,,,C0ACMEIMP
Beta Foods,MX,es_MX,America/Tijuana,
"""
ORDERS = """supplier,po,quantity,due_date,issued_at,confirmed_at,item,price,currency,status
Acme Textiles,PO-1,100,2026-03-01,2026-01-05T09:00:00+08:00,2026-01-06T10:00:00+08:00,Blue mug,2.5,USD,
acme textiles,PO-2,40,2026-03-10,2026-01-07T09:00:00Z,,,,,
Beta Foods,PO-1,10,2026-04-01,2026-02-01T09:00:00-06:00,,Salsa,,,cancelled
Beta Foods,PO-3,30,2026-04-15,2026-02-02T09:00:00-06:00,,,,,
"""
RECEIPTS = """supplier,po,quantity,received_on,reference
Acme Textiles,po-1,60,2026-02-28,DN-1
Acme Textiles,PO-1,50,2026-03-02,DN-2
Acme Textiles,PO-2,10,2026-03-10,DN-1
Beta Foods,PO-1,10,2026-03-30,DN-9
"""
INSPECTIONS = """supplier,po,sampled,defects,inspected_on,reference
Acme Textiles,PO-1,50,1,2026-03-01,QC-1
Acme Textiles,PO-1,50,5,2026-03-03,QC-2
"""


def srm(db_url, *args):
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": db_url})


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def imported(db_url, tmp_path, kind, text, *flags):
    result = srm(db_url, "import", kind, write(tmp_path, f"{kind}.csv", text), *flags)
    assert result.exit_code == 0, result.output
    return result


def problems(result):
    return [line for line in result.stderr.splitlines() if line.startswith("line ")]


def rows_of(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def everything(session):
    return {m.__name__: rows_of(session, m) for m in (Supplier, SupplierChannel, Order, Receipt, Inspection,
                                                     AuditEvent, OutboxMessage)}  # fmt: skip


@pytest.fixture
def history(db_url, tmp_path, monkeypatch):
    """Two suppliers and their orders, imported."""
    monkeypatch.chdir(tmp_path)
    imported(db_url, tmp_path, "suppliers", SUPPLIERS)
    imported(db_url, tmp_path, "orders", ORDERS)


def test_suppliers_are_created_then_updated_by_name(db_url, tmp_path, monkeypatch, session):
    monkeypatch.chdir(tmp_path)
    result = imported(db_url, tmp_path, "suppliers", SUPPLIERS)
    assert "2 new, 0 updated, 0 already known" in result.output
    result = imported(
        db_url, tmp_path, "suppliers", "name,country,timezone\nACME  textiles,CN,Asia/Hong_Kong\n"
    )
    assert "0 new, 1 updated" in result.output
    exported = list(csv.reader(io.StringIO(srm(db_url, "export", "suppliers").output)))
    assert [row[1:6] for row in exported[1:]] == [
        ["Acme Textiles", "CN", "zh_CN", "Asia/Hong_Kong", "C0ACMEIMP"],
        ["Beta Foods", "MX", "es_MX", "America/Tijuana", ""],
    ]
    edit = session.exec(select(AuditEvent).where(AuditEvent.action == "edited")).one()
    assert (edit.actor_id, edit.before, edit.after) == (
        "import", {"timezone": "Asia/Shanghai"}, {"timezone": "Asia/Hong_Kong"})  # fmt: skip


def test_orders_receipts_and_inspections_come_in(db_url, tmp_path, session, history):
    acme_po1 = session.exec(select(Order).join(Supplier).where(Supplier.name == "Acme Textiles",
                                                               Order.po == "PO-1")).one()  # fmt: skip
    assert (acme_po1.status, acme_po1.quantity, str(acme_po1.unit_price), acme_po1.currency) == (
        "confirmed", 100, "2.5000", "USD")  # fmt: skip
    assert acme_po1.issued_at == datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    assert acme_po1.confirmed_at == datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
    assert (acme_po1.channel_id, acme_po1.card_id, acme_po1.issued_by) == ("C0ACMEIMP", None, "import")

    imported(db_url, tmp_path, "receipts", RECEIPTS)
    imported(db_url, tmp_path, "inspections", INSPECTIONS)
    statuses = {(o.supplier_id, o.po): o.status for o in session.exec(select(Order))}
    # 110 of 100 received: over-delivery is recorded; a cancelled order stays cancelled.
    assert sorted(statuses.values()) == ["cancelled", "issued", "partially_received", "received"]
    receipts = session.exec(select(Receipt).order_by(Receipt.id)).all()
    assert [(r.quantity, r.on_time, r.due_date, r.reference) for r in receipts] == [
        (60, True, date(2026, 3, 1), "DN-1"),
        (50, False, date(2026, 3, 1), "DN-2"),
        (10, True, date(2026, 3, 10), "DN-1"),
        (10, True, date(2026, 4, 1), "DN-9"),
    ]
    inspections = session.exec(select(Inspection).order_by(Inspection.id)).all()
    assert [(i.inspected_on, i.accepted, i.reference) for i in inspections] == [
        (date(2026, 3, 1), True, "QC-1"),
        (date(2026, 3, 3), False, "QC-2"),  # 10% defective against the 2.5% lot rule
    ]
    assert inspections[0].inspected_at == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    exported = list(csv.DictReader(io.StringIO(srm(db_url, "export", "orders").output)))
    assert [(r["po"], r["received_quantity"]) for r in exported] == [("PO-1", "110"), ("PO-2", "10"),
                                                                    ("PO-1", "10"), ("PO-3", "0")]  # fmt: skip


def test_importing_the_same_files_again_changes_nothing(db_url, tmp_path, session, history):
    imported(db_url, tmp_path, "receipts", RECEIPTS)
    imported(db_url, tmp_path, "inspections", INSPECTIONS)
    before = everything(session)
    orders_before = [(o.status, o.updated_at) for o in session.exec(select(Order).order_by(Order.id))]
    for kind, text in (("suppliers", SUPPLIERS), ("orders", ORDERS), ("receipts", RECEIPTS),
                       ("inspections", INSPECTIONS)):  # fmt: skip
        result = imported(db_url, tmp_path, kind, text)
        assert "0 new, 0 updated" in result.output and "already known" in result.output
    after = everything(session)
    assert after == before | {"AuditEvent": before["AuditEvent"] + 4}  # one "imported" event per file
    assert [(o.status, o.updated_at) for o in session.exec(select(Order).order_by(Order.id))] == orders_before


def test_every_bad_order_row_is_reported_and_nothing_is_written(db_url, tmp_path, session, history):
    before = everything(session)
    bad = ORDERS.splitlines()[0] + "\n" + "\n".join([
        "Acme Textiles,PO-10,100,2026-03-01,2026-01-05T09:00:00+08:00,,,,,",  # good
        "Acme Textiles,PO-11,-5,2026-03-01,2026-01-05T09:00:00+08:00,,,,,",
        "Acme Textiles,PO-12,2.5,2026-03-01,2026-01-05T09:00:00+08:00,,,,,",
        "Nobody & Sons,PO-13,5,2026-03-01,2026-01-05T09:00:00+08:00,,,,,",
        "Acme Textiles,PO-14,5,2026-02-30,2026-01-05T09:00:00+08:00,,,,,",
        "Acme Textiles,PO-15,5,2026-03-01,2026-01-05 09:00:00,,,,,",
        "Acme Textiles,PO-16,5,2026-03-01,2026-01-05T09:00:00+08:00,yesterday,,,,",
        "Acme Textiles,PO-17,5,2026-03-01,2026-01-05T09:00:00+08:00,,,,,lost",
        "Acme Textiles,po-10,5,2026-03-01,2026-01-05T09:00:00+08:00,,,,,",
        "Acme Textiles,PO-18,5,2026-03-01,,,,,,",
        "Acme Textiles,PO-19,5,2026-03-01,2026-01-05T09:00:00+08:00,,,,XYZ,",
    ]) + "\n"  # fmt: skip
    result = srm(db_url, "import", "orders", write(tmp_path, "bad.csv", bad))
    assert result.exit_code == 1
    assert problems(result) == [
        "line 3: quantity must be greater than 0.",
        "line 4: quantity must be a whole number, not “2.5”.",
        "line 5: No supplier named Nobody & Sons was found.",
        "line 6: due_date must be a date written YYYY-MM-DD, not “2026-02-30”.",
        "line 7: issued_at must be a time with its offset, such as 2026-09-01T08:30:00+08:00, not “2026-01-05 09:00:00”.",
        "line 8: confirmed_at must be a time with its offset, such as 2026-09-01T08:30:00+08:00, not “yesterday”.",
        "line 9: Unknown status lost; use one of: issued, confirmed, in_production, shipped, partially_received, "
        "received, closed, cancelled.",
        "line 10: Line 2 has the same supplier + po.",
        "line 11: issued_at is empty.",
        "line 12: “XYZ” is not an ISO 4217 currency code such as USD, EUR or CNY.",
    ]
    assert "nothing was imported" in result.stderr
    assert everything(session) == before


def test_every_bad_history_row_is_reported(db_url, tmp_path, session, history):
    imported(db_url, tmp_path, "receipts", RECEIPTS)
    before = everything(session)
    receipts = RECEIPTS.splitlines()[0] + "\n" + "\n".join([
        "Acme Textiles,PO-2,5,2026-03-11,DN-3",  # good
        "Acme Textiles,PO-404,5,2026-03-11,DN-4",
        "Acme Textiles,PO-2,0,2026-03-11,DN-5",
        "Acme Textiles,PO-2,5,11/03/2026,DN-6",
        "Acme Textiles,PO-2,5,2026-03-11,",
        "Acme Textiles,PO-2,5,2026-03-11,DN-3",
        "Zeta,PO-2,5,2026-03-11,DN-7",
    ]) + "\n"  # fmt: skip
    result = srm(db_url, "import", "receipts", write(tmp_path, "r.csv", receipts))
    assert result.exit_code == 1
    assert problems(result) == [
        "line 3: Acme Textiles has no order PO-404.",
        "line 4: quantity must be greater than 0.",
        "line 5: received_on must be a date written YYYY-MM-DD, not “11/03/2026”.",
        "line 6: reference is empty.",
        "line 7: Line 2 has the same supplier + po + reference.",
        "line 8: No supplier named Zeta was found.",
    ]
    inspections = INSPECTIONS.splitlines()[0] + "\nAcme Textiles,PO-1,5,6,2026-03-01,QC-9\n" \
        "Acme Textiles,PO-1,0,0,2026-03-01,QC-10\nAcme Textiles,PO-1,5,-1,2026-03-01,QC-11\n"  # fmt: skip
    result = srm(db_url, "import", "inspections", write(tmp_path, "i.csv", inspections))
    assert problems(result) == [
        "line 2: There cannot be more defects (6) than units sampled (5).",
        "line 3: sampled must be greater than 0.",
        "line 4: defects cannot be negative.",
    ]
    assert everything(session) == before


def test_bad_suppliers_and_missing_columns(db_url, tmp_path, session, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (
        SUPPLIERS
        + "Gamma,XX,,,\nDelta,DE,xx_YY,,\nEpsilon,DE,,Mars/Olympus,\nBeta Foods,MX,,,\nZeta,DE,,,C0ACMEIMP\n"
    )
    result = srm(db_url, "import", "suppliers", write(tmp_path, "s.csv", text))
    assert result.exit_code == 1
    assert problems(result) == [
        "line 4: “XX” is not an ISO country code. Use two letters, such as CN, VN or MX.",
        "line 5: “xx_YY” is not a locale. Use a code such as zh_CN, es_MX or en_US.",
        "line 6: “Mars/Olympus” is not a time zone. Use an IANA name such as Asia/Shanghai.",
        "line 7: Line 3 has the same name.",
        "line 8: Line 2 has the same channel_id.",
    ]
    result = srm(db_url, "import", "orders", write(tmp_path, "o.csv", "supplier,po,qty,due_date,issued_at\n"))
    assert result.exit_code == 1
    assert problems(result) == [
        "line 1: Unknown column “qty”; the columns are: supplier, po, quantity, due_date, issued_at, "
        "confirmed_at, item, price, currency, status.",
        "line 1: Missing column quantity.",
        "line 1: Missing column confirmed_at.",
    ]
    assert rows_of(session, Supplier) == 0


def test_dry_run_checks_and_writes_nothing(db_url, tmp_path, session, history):
    before = everything(session)
    result = imported(db_url, tmp_path, "receipts", RECEIPTS, "--dry-run")
    assert "4 row(s) checked, nothing written (dry run): 4 new" in result.output
    assert everything(session) == before
    bad = srm(db_url, "import", "receipts", write(tmp_path, "bad.csv", RECEIPTS + "Acme Textiles,PO-9,1,2026-03-01,X\n"),
              "--dry-run")  # fmt: skip
    assert bad.exit_code == 1 and problems(bad) == ["line 6: Acme Textiles has no order PO-9."]
    assert everything(session) == before


def test_a_key_repeated_far_apart_in_a_large_file_is_found(db_url, tmp_path, session, history):
    lines = [ORDERS.splitlines()[0]] + [
        f"Beta Foods,B-{n},1,2026-05-01,2026-02-01T09:00:00Z,,,,," for n in range(4500)
    ]
    lines.append("Beta Foods,b-7,1,2026-05-01,2026-02-01T09:00:00Z,,,,,")  # line 4502, three chunks later
    result = srm(db_url, "import", "orders", write(tmp_path, "big.csv", "\n".join(lines) + "\n"))
    assert result.exit_code == 1
    assert problems(result) == ["line 4502: An earlier line of this file has the same supplier + po."]
    assert rows_of(session, Order) == 4


def test_xlsx_with_typed_cells(db_url, tmp_path, session, history):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["supplier", "po", "sampled", "defects", "inspected_on", "reference"])
    sheet.append(["Acme Textiles", "PO-2", 20.0, 0, datetime(2026, 3, 12), "QC-7"])
    sheet.append(["Acme Textiles", "PO-2", 20, 3, date(2026, 3, 13), 1234])
    workbook.save(tmp_path / "inspections.xlsx")
    result = srm(db_url, "import", "inspections", str(tmp_path / "inspections.xlsx"))
    assert result.exit_code == 0, result.output
    found = session.exec(select(Inspection).order_by(Inspection.id)).all()
    assert [(i.sampled, i.defects, i.inspected_on, i.reference, i.accepted) for i in found] == [
        (20, 0, date(2026, 3, 12), "QC-7", True),
        (20, 3, date(2026, 3, 13), "1234", False),
    ]
    # Times without an offset in a column marked (UTC), as `srm export --format xlsx` writes them.
    out = tmp_path / "orders.xlsx"
    workbook = Workbook()
    workbook.active.append(
        ["supplier", "po", "quantity", "due_date", "issued_at (UTC)", "confirmed_at (UTC)"]
    )
    workbook.active.append(["Beta Foods", "PO-4", 5, datetime(2026, 6, 1), datetime(2026, 2, 3, 8, 30), None])
    workbook.save(out)
    result = srm(db_url, "import", "orders", str(out))
    assert result.exit_code == 0, result.output
    assert order_named(session, "PO-4").issued_at == datetime(2026, 2, 3, 8, 30, tzinfo=UTC)


def test_unreadable_files_are_refused(db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.xlsx").write_text("not a workbook")
    result = srm(db_url, "import", "orders", str(tmp_path / "orders.xlsx"))
    assert result.exit_code == 1 and "is not a readable XLSX file" in result.output
    result = srm(db_url, "import", "orders", str(tmp_path / "missing.csv"))
    assert result.exit_code == 2 and "missing.csv" in result.output
    result = srm(db_url, "import", "orders", write(tmp_path, "orders.txt", ORDERS))
    assert result.exit_code == 2 and "--format" in result.output
    assert srm(db_url, "import", "orders", str(tmp_path / "orders.txt"), "--format", "csv").exit_code == 1


def test_post_cards_for_orders_of_linked_suppliers_only(client, slack, session, acme, delivery, db_url, tmp_path,
                                                        monkeypatch):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    imported(db_url, tmp_path, "suppliers", "name,country\nBeta Foods,MX\n")  # not linked
    orders = ORDERS.replace("acme textiles,PO-2", "Acme Textiles,PO-7")
    result = imported(db_url, tmp_path, "orders", orders, "--post-cards")
    assert "2 card(s) queued" in result.output
    card_ts(slack, session, "PO-7")
    cards = [p for p in slack.posts(ACME_CHANNEL) if "PO-7" in str(p.get("blocks"))]
    assert len(cards) == 1
    assert order_named(session, "PO-3").card_id is None  # Beta has no channel
    # Without --post-cards an imported order gets no card, even for a linked supplier.
    imported(db_url, tmp_path, "orders", orders.replace("PO-7", "PO-8"))
    assert order_named(session, "PO-8").card_id is None
    # Slack commands work on imported orders like on any other, with a card or without one.
    issue_order(client, "order new PO-9 qty=5 due=2026-12-15")
    shown = client.command("order show PO-7", user=BUYER, channel=ACME_CHANNEL)
    assert shown.status == 200 and "PO-7" in shown.text
    # A ticket on an order without a card gets a card of its own at the channel's top level.
    opened = client.command('ticket new "Wrong labels" order=PO-8', user=BUYER, channel=ACME_CHANNEL)
    assert opened.status == 200 and ":warning:" not in opened.text, opened.text
    ticket = session.exec(select(Ticket)).one()
    assert ticket.card_id is not None and ticket.thread_ts is None
    cards = slack.wait_for(lambda: [p for p in slack.posts(ACME_CHANNEL) if "Wrong labels" in str(p["blocks"])],
                           what="ticket card")  # fmt: skip
    assert len(cards) == 1 and "thread_ts" not in cards[0]
    for text in ("receive PO-8 qty=40", "inspect PO-8 sampled=10 defects=0", "order close PO-8"):
        answer = client.command(text, user=BUYER, channel=ACME_CHANNEL)
        assert answer.status == 200 and ":warning:" not in answer.text, answer.text
    assert order_named(session, "PO-8").status == "closed"
