"""`/srm` grammar: help and usage messages in the caller's language; bad input changes nothing."""

import pytest
from conftest import ACME_CHANNEL, BUYER, BUYER_ES, BUYER_ZH, INTERNAL_CHANNEL
from fakeslack import FakeSlack
from helpers import counts, translated


def test_help_lists_the_grammar(client):
    text = client.command("help", user=BUYER, channel=ACME_CHANNEL).text
    for syntax in ("/srm help", "/srm supplier add", "/srm supplier list", "/srm supplier show"):
        assert syntax in text
    assert "country=<ISO2>" in text


def test_empty_command_shows_help(client):
    assert "/srm supplier list" in client.command("", user=BUYER, channel=ACME_CHANNEL).text


@pytest.mark.parametrize(("user", "locale"), [(BUYER_ZH, "zh_CN"), (BUYER_ES, "es")])
def test_help_is_in_the_callers_language(client, user, locale):
    text = client.command("help", user=user, channel=ACME_CHANNEL).text
    heading = translated(locale, "SRM bot commands")
    assert heading != "SRM bot commands"
    assert heading in text
    assert translated(locale, "List suppliers, or show one.") in text


def test_unknown_verb_gets_usage_and_changes_nothing(client, session):
    before = counts(session)
    text = client.command("frobnicate everything", user=BUYER_ES, channel=ACME_CHANNEL).text
    assert translated("es", "“{command}” is not a command I know.", command="frobnicate everything") in text
    assert "/srm supplier add" in text
    assert counts(session) == before


def test_unclosed_quote_gets_usage(client, session):
    before = counts(session)
    text = client.command('supplier add "Acme country=CN', user=BUYER, channel=ACME_CHANNEL).text
    assert "I could not read that command" in text
    assert counts(session) == before


def test_repeated_option_gets_usage(client, session):
    before = counts(session)
    text = client.command('supplier add "Acme" country=CN country=VN', user=BUYER, channel=ACME_CHANNEL).text
    assert "country given twice" in text
    assert counts(session) == before


def test_unknown_option_gets_usage(client, session):
    before = counts(session)
    text = client.command('supplier add "Acme" country=CN colour=red', user=BUYER, channel=ACME_CHANNEL).text
    assert "Unknown option(s): colour" in text
    assert counts(session) == before


def test_mentions_in_echoed_text_are_neutralised(client):
    text = client.command(
        "<!channel> ping <@U0BUYERZH> <https://evil.example|click>", user=BUYER, channel=ACME_CHANNEL
    ).text
    assert "<!channel>" not in text and "<@U0BUYERZH>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text


def _every_method_fails(slack):
    for name in dir(FakeSlack):
        if name.startswith("api_"):
            slack.fail_next(name[4:].replace("_", "."), status=500, times=1000, error="internal_error")


@pytest.mark.parametrize("outage", ["http 500", "unreachable"])
def test_help_is_answered_while_the_web_api_is_down(client, slack, outage):
    if outage == "unreachable":  # slack.com/api is; the command's response_url (hooks.slack.com) is not
        slack.api_unreachable = True
    else:
        _every_method_fails(slack)
    for channel in (ACME_CHANNEL, INTERNAL_CHANNEL):  # the process's first request, and a later one
        answer = client.command("help", user=BUYER, channel=channel)
        assert answer.status == 200 and "/srm supplier add" in answer.text


def test_a_failing_auth_test_is_not_repeated_on_every_request(client, slack):
    slack.fail_next("auth.test", status=500, times=1)
    assert "/srm supplier add" in client.command("help", user=BUYER, channel=ACME_CHANNEL).text
    assert "/srm supplier add" in client.command("help", user=BUYER, channel=ACME_CHANNEL).text
    assert len(slack.calls_to("auth.test")) == 1  # not asked again at once: Slack was just failing


@pytest.mark.parametrize(
    ("text", "missing"),
    [("ticket show", "T-<n>"), ("capa show", "CA-<n>"), ("order show", "<PO>"), ("capa new", "T-<n>")],
)
def test_a_missing_reference_is_named_as_the_verb_expects_it(client, text, missing):
    answer = client.command(text, user=BUYER, channel=ACME_CHANNEL).text
    problem = answer.split("Missing or empty value: ", 1)[1].split(".", 1)[0]
    assert problem.replace("&lt;", "<").replace("&gt;", ">") == missing
