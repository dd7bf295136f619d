"""`srm export` as a buyer opens it in a spreadsheet: typed text never runs as a formula."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from conftest import ACME_CHANNEL, ACME_USER, BUYER
from helpers import issue_order, order_named
from openpyxl import load_workbook
from slackclient import click

from bot.cli import main
from bot.exchange.exports import Table, write_csv, write_xlsx

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
            "\tTAB", "\rCR"]  # fmt: skip

ORDER_COLUMNS = ["id", "po", "supplier", "item", "quantity", "unit_price", "currency", "due_date", "original_due_date",
                 "status", "progress_percent", "stage", "issued_by", "issued_at", "confirmed_by", "confirmed_at",
                 "received_quantity", "first_received_on", "last_received_on", "closed_at"]  # fmt: skip


def _export(db_url, kind, fmt, tmp_path):
    out = tmp_path / f"{kind}.{fmt}"
    result = CliRunner().invoke(main, ["export", kind, "--format", fmt, "--out", str(out)],
                                env={"DATABASE_URL": db_url})  # fmt: skip
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        return list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
    sheet = load_workbook(out).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_typed_formulas_are_exported_as_text(client, acme, db_url, tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    for n, formula in enumerate(FORMULAS):
        client.message(formula, user=ACME_USER, channel=ACME_CHANNEL, ts=f"1700000000.00000{n}")
    issue_order(client, 'order new PO-1 qty=100 due=2026-12-15 item="=1+2"')
    messages = _export(db_url, "messages", fmt, tmp_path)
    texts = [row[messages[0].index("text")] for row in messages[1:]]
    expected = ["'" + formula for formula in FORMULAS] + ["hello"]
    if fmt == "xlsx":  # XML reads a carriage return back as a line feed
        expected = [text.replace("\r", "\n") for text in expected]
    assert texts == expected
    orders = _export(db_url, "orders", fmt, tmp_path)
    assert orders[1][orders[0].index("item")] == "'=1+2"
    if fmt == "xlsx":
        sheet = load_workbook(tmp_path / "messages.xlsx").active
        assert "f" not in {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row}


def test_numbers_stay_numbers(tmp_path):
    table = Table(["amount", "note"], [[-5, "-5"], [-1.5, "-3+2"]])
    out = io.StringIO()
    write_csv(table, out)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["amount", "note"],
        ["-5", "-5"],
        ["-1.5", "'-3+2"],
    ]
    with open(tmp_path / "n.xlsx", "wb") as handle:
        write_xlsx(table, handle, "numbers")
    rows = list(load_workbook(tmp_path / "n.xlsx").active.values)
    assert rows[1:] == [(-5, "-5"), (-1.5, "'-3+2")]


def test_xlsx_cells_are_typed_and_csv_columns_unchanged(client, session, acme, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    issue_order(client, 'order new PO-1 qty=100 due=2026-12-15 item="Blue mug" price=2.5 currency=USD')
    client.command("receive PO-1 qty=40 date=2026-12-14", user=BUYER, channel=ACME_CHANNEL)
    client.command('ticket new "Labels missing"', user=BUYER, channel=ACME_CHANNEL)
    click(client, "ticket_ack", "1", user=ACME_USER, channel=ACME_CHANNEL)
    issued_at = order_named(session).issued_at

    header, row = _export(db_url, "orders", "csv", tmp_path)
    assert header == ORDER_COLUMNS
    assert row[header.index("issued_at")] == issued_at.isoformat() and issued_at.isoformat().endswith(
        "+00:00"
    )
    assert (row[header.index("quantity")], row[header.index("due_date")]) == ("100", "2026-12-15")

    header, row = _export(db_url, "orders", "xlsx", tmp_path)
    assert header == [f"{name} (UTC)" if name.endswith("_at") else name for name in ORDER_COLUMNS]
    record = dict(zip(header, row, strict=True))
    assert (record["quantity"], record["unit_price"], record["received_quantity"]) == (100, 2.5, 40)
    assert (record["due_date"], record["first_received_on"]) == (
        datetime(2026, 12, 15),
        datetime(2026, 12, 14),
    )
    assert abs(record["issued_at (UTC)"] - issued_at.replace(tzinfo=None)) < timedelta(milliseconds=1)
    assert record["confirmed_at (UTC)"] is None

    header, row = _export(db_url, "tickets", "xlsx", tmp_path)
    record = dict(zip(header, row, strict=True))
    assert record["first_response_minutes"] == 0 and record["resolution_minutes"] is None
    assert isinstance(record["opened_at (UTC)"], datetime) and isinstance(
        record["resolution_due (UTC)"], datetime
    )
