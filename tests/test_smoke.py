from conftest import ACME_CHANNEL, BUYER


def test_help(client):
    r = client.command("help", user=BUYER, channel=ACME_CHANNEL)
    assert r.status == 200, r.body
    assert "/srm supplier add" in r.text


def test_add(client, slack, delivery):
    r = client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL)
    assert r.status == 200, r.body
    print(r.text)
    slack.wait_for(lambda: slack.posts(ACME_CHANNEL), what="welcome")
    print(slack.posts(ACME_CHANNEL))
