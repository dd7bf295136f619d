"""Neutralising what users typed, and reading command arguments."""

import pytest

from bot.core.text import ArgumentError, neutralise, parse_arguments


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("<!channel> look", "&lt;!channel&gt; look"),
        ("<!here|here>", "&lt;!here|here&gt;"),
        ("hi <@U123>", "hi &lt;@U123&gt;"),
        ("<https://evil.example|your invoice>", "&lt;https:\u200b//evil.example|your invoice&gt;"),
        ("@channel and @here and @everyone", "@\u200bchannel and @\u200bhere and @\u200beveryone"),
        ("&lt;!subteam^S1&gt; already escaped", "&lt;!subteam^S1&gt; already escaped"),
        ("R&D 5 < 6", "R&amp;D 5 &lt; 6"),
        ("see http://x.example", "see http:\u200b//x.example"),
    ],
)
def test_neutralise(typed, shown):
    assert neutralise(typed) == shown


def test_parse_words_and_options():
    args = parse_arguments('order new PO-1 qty=5 item="Blue mug, large" Due=2026-12-01')
    assert args.words == ["order", "new", "PO-1"]
    assert args.options == {"qty": "5", "item": "Blue mug, large", "due": "2026-12-01"}


def test_parse_smart_quotes_and_slack_escaping():
    args = parse_arguments("supplier add “Acme &amp; Sons” country=CN")
    assert args.words == ["supplier", "add", "Acme & Sons"]


@pytest.mark.parametrize("text", ['supplier add "Acme', "a=1 a=2"])
def test_parse_errors(text):
    with pytest.raises(ArgumentError):
        parse_arguments(text)
