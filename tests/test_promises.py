"""The manifest, the welcome and `/srm help` promise only what works, and every help line runs as written."""

import json
import re

import pytest
from conftest import ACME_CHANNEL, ACME_USER, BUYER
from helpers import translated

from bot.config import AppConfig, TicketsConfig
from bot.core.manifest import build_manifest
from handlers import slack_needs

# Every feature the help, the manifest and the welcome could name is built; a new, unbuilt one goes here.
NOT_BUILT: tuple[str, ...] = ()


@pytest.fixture
def config(config):
    """The buyer who runs every help line is also an admin (some verbs are admins' only)."""
    return config.model_copy(update={"admins": [BUYER]})


@pytest.mark.parametrize("tickets", [True, False])
def test_the_manifest_promises_only_installed_features(tickets):
    manifest = build_manifest(slack_needs(AppConfig(tickets=TicketsConfig(enabled=tickets))))
    info, (command,) = manifest["display_information"], manifest["features"]["slash_commands"]
    said = " ".join([info["description"], info["long_description"], command["description"]]).lower()
    assert not [word for word in NOT_BUILT if word in said]
    assert ("ticket" in said) is tickets
    assert len(info["description"]) <= 140 and 175 <= len(info["long_description"]) <= 4000


def test_the_welcome_promises_no_scorecard(client, slack, delivery):
    client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL)
    welcome = json.dumps(
        slack.wait_for(lambda: slack.posts(ACME_CHANNEL), what="welcome")[0], ensure_ascii=False
    )
    records = (
        "*Records*: messages, replies and button presses here are kept with who and when, so both sides can "
        "look back at what was agreed."
    )
    assert translated("zh_CN", records) in welcome and translated("zh_CN", records) != records
    assert "计分卡" not in welcome and "评分" not in welcome and "evaluación" not in welcome


# A value for each placeholder of the grammar, as a buyer would type it.
VALUES = {'"<name>"': '"Acme Textiles"', '"<new name>"': '"Acme Textiles"', "<ISO2>": "CN", "<ll_CC>": "zh_CN", "<IANA zone>": "Asia/Shanghai",
          "<YYYY-MM-DD>": "2026-12-20", "<p>": "2.50", "<ISO4217>": "USD", '"…"': '"Blue mug"',
          '"<title>"': '"Labels missing"', "T-<n>": "T-1", "<n>": "1", "<HH:MM>|off": "08:30", "<0-100>": "40"}  # fmt: skip


def _as_typed(form: str) -> str:
    """A help line's command form with every option given and every placeholder filled in."""
    text = form.replace("[", "").replace("]", "")
    text = re.sub(r"=(\w+)(?:\|\w+)+", r"=\1", text)  # severity=low|medium|… → the first choice
    text = text.replace("<s>", "issued" if text.startswith("/srm order") else "open")
    text = text.replace("<PO>", "PO-8" if text.startswith("/srm order cancel") else "PO-7")
    for placeholder, value in VALUES.items():
        text = text.replace(placeholder, value)
    assert "<" not in text, f"a placeholder this test does not know: {text}"
    return text.removeprefix("/srm ")


def test_every_help_line_runs_as_written(client, slack, session):
    shown = client.command("help", user=BUYER, channel=ACME_CHANNEL).json()
    sections = [b["text"]["text"] for b in shown["blocks"] if b["type"] == "section"]
    lines = re.findall(r"`(/srm [^`]+)`", "\n".join(sections))
    forms = [form for line in dict.fromkeys(lines) for form in re.split(r" \| (?=/srm )", line)]
    # In help order, except that an order is closed once it is received ("close a fully received order"),
    # and the channel is unlinked and linked again last.
    last = ("/srm order close", "/srm order cancel", "/srm supplier unlink", "/srm supplier link")
    forms.sort(key=lambda form: next((i for i, start in enumerate(last) if form.startswith(start)), -1))
    assert len(forms) >= 12
    setup_done = False
    for form in forms:
        command = _as_typed(form)
        if command.startswith("order show") and not setup_done:
            assert (
                "PO-8"
                in client.command(
                    "order new PO-8 qty=3 due=2026-12-20", user=BUYER, channel=ACME_CHANNEL
                ).text
            )
            client.message("hello", user=ACME_USER, channel=ACME_CHANNEL)
            setup_done = True
        answer = client.command(command, user=BUYER, channel=ACME_CHANNEL)
        assert answer.status == 200, command
        assert ":warning:" not in answer.text, (command, answer.text)
        if command != "help":
            assert translated("en", "SRM bot commands") not in answer.text, (command, answer.text)
