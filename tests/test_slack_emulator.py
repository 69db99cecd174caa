"""Proves tests/slack_emulator (the package) against the real slack_sdk / slack_bolt clients."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.slack_emulator import SlackEmulator, signed_headers

BOT = "xoxb-test"
APP = "xapp-test"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(bot_token=BOT, app_token=APP, team_id="T0001") as emulator:
        emulator.add_user("U1", tz="Europe/Paris", tz_offset=3600)
        emulator.add_user("U2", deleted=True)
        emulator.add_channel("C1", member=True)
        emulator.add_channel("C2", member=False)
        emulator.add_channel("C3", archived=True)
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token=BOT, base_url=emu.api_url)


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value.response["error"]


# ------------------------------------------------------------------ Web API


def test_auth_test(emu: SlackEmulator, client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["user_id"] == "UBOT"
    assert resp["bot_id"] == "BBOT"
    assert resp["team_id"] == "T0001"
    (call,) = emu.calls("auth.test")
    assert call.token == BOT


def test_invalid_and_wrong_type_tokens(emu: SlackEmulator) -> None:
    bad = WebClient(token="xoxb-wrong", base_url=emu.api_url)
    assert error_of(bad.auth_test) == "invalid_auth"
    app_client = WebClient(token=APP, base_url=emu.api_url)
    assert error_of(app_client.auth_test) == "not_allowed_token_type"
    assert app_client.apps_connections_open(app_token=APP)["url"].startswith("ws://127.0.0.1:")


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_thread_and_update(emu: SlackEmulator, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}]
    parent = client.chat_postMessage(channel="C1", text="hello", blocks=blocks)
    assert parent["message"]["user"] == "UBOT"
    assert parent["message"]["blocks"] == blocks
    reply = client.chat_postMessage(channel="C1", text="reply", thread_ts=parent["ts"])
    assert float(reply["ts"]) > float(parent["ts"])
    assert reply["message"]["thread_ts"] == parent["ts"]
    client.chat_update(channel="C1", ts=parent["ts"], text="edited")

    msgs = emu.messages("C1")
    assert [m.text for m in msgs] == ["edited", "reply"]
    assert msgs[0].blocks == blocks
    assert msgs[1].thread_ts == parent["ts"]
    assert emu.calls("chat.postMessage")[0].params["blocks"] == blocks  # decoded JSON

    assert error_of(lambda: client.chat_postMessage(channel="C1", text="x", thread_ts="1.2")) == (
        "thread_not_found"
    )
    assert error_of(lambda: client.chat_update(channel="C1", ts="1.2", text="x")) == (
        "message_not_found"
    )
    assert error_of(lambda: client.chat_postMessage(channel="C1")) == "no_text"
    too_many = [{"type": "divider"}] * 51
    assert error_of(lambda: client.chat_postMessage(channel="C1", blocks=too_many)) == (
        "invalid_blocks"
    )


@pytest.mark.parametrize(
    "block",
    [
        {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}},
        {"type": "sektion", "text": {"type": "mrkdwn", "text": "x"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "txt": "a typo"},
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "a",
                    "text": {"type": "plain_text", "text": "L" * 76},
                    "value": "v",
                }
            ],
        },
        "not a block",
    ],
)
def test_blocks_slack_would_refuse_are_invalid_blocks(
    emu: SlackEmulator, client: WebClient, block
) -> None:
    blocks = [{"type": "divider"}, block]
    assert error_of(lambda: client.chat_postMessage(channel="C1", text="x", blocks=blocks)) == (
        "invalid_blocks"
    )
    view = {"type": "home", "blocks": blocks}
    assert error_of(lambda: client.views_publish(user_id="U1", view=view)) == "invalid_blocks"
    unfurls = {"https://arxiv.org/abs/1": {"blocks": blocks}}
    assert error_of(lambda: client.chat_unfurl(channel="C1", ts="1.2", unfurls=unfurls)) == (
        "invalid_blocks"
    )
    assert emu.messages() == [] and emu.home_view("U1") is None and emu.unfurls() == []
    fine = [{"type": "divider"}, {"type": "section", "text": {"type": "mrkdwn", "text": "ok"}}]
    assert client.chat_postMessage(channel="C1", text="x", blocks=fine)["ok"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_form_encoded_blocks_are_decoded(emu: SlackEmulator, client: WebClient) -> None:
    blocks = [{"type": "divider"}]
    client.api_call("chat.postMessage", data={"channel": "C1", "blocks": json.dumps(blocks)})
    assert emu.messages()[0].blocks == blocks


def test_channel_errors(emu: SlackEmulator, client: WebClient) -> None:
    assert error_of(lambda: client.chat_postMessage(channel="C2", text="x")) == "not_in_channel"
    assert error_of(lambda: client.chat_postMessage(channel="C3", text="x")) == "is_archived"
    assert error_of(lambda: client.chat_postMessage(channel="C9", text="x")) == (
        "channel_not_found"
    )
    assert client.conversations_info(channel="C2")["channel"]["is_member"] is False
    assert error_of(lambda: client.conversations_info(channel="C9")) == "channel_not_found"
    assert error_of(lambda: client.api_call("nope.nothing")) == "unknown_method"


def test_ephemeral_users_and_dm(emu: SlackEmulator, client: WebClient) -> None:
    resp = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    (msg,) = emu.messages()
    assert (msg.kind, msg.user, msg.ts) == ("ephemeral", "U1", resp["message_ts"])

    user = client.users_info(user="U1")["user"]
    assert (user["tz"], user["tz_offset"], user["deleted"]) == ("Europe/Paris", 3600, False)
    assert error_of(lambda: client.users_info(user="U404")) == "user_not_found"

    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert dm == "DU1"
    client.chat_postMessage(channel=dm, text="dm")
    assert emu.messages(dm)[0].text == "dm"
    assert error_of(lambda: client.conversations_open(users="U2")) == "user_not_found"
    assert error_of(lambda: client.conversations_open(users="U404")) == "user_not_found"


def test_views_publish(emu: SlackEmulator, client: WebClient) -> None:
    resp = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert resp["view"]["id"].startswith("V")
    assert emu.calls("views.publish")[0].params["view"]["type"] == "home"


def test_fail_next_error_and_reset(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail_next("chat.postMessage", "not_in_channel", times=2)
    for _ in range(2):
        assert error_of(lambda: client.chat_postMessage(channel="C1", text="x")) == (
            "not_in_channel"
        )
    client.chat_postMessage(channel="C1", text="x")
    assert len(emu.calls("chat.postMessage")) == 3
    emu.reset()
    assert emu.calls() == [] and emu.messages() == []


def test_rate_limit_is_retried(emu: SlackEmulator) -> None:
    client = WebClient(token=BOT, base_url=emu.api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    emu.fail_next("chat.postMessage", status=429, retry_after=0)
    resp = client.chat_postMessage(channel="C1", text="after retry")
    assert resp["ok"]
    calls = emu.calls("chat.postMessage")
    assert len(calls) == 2
    assert len(emu.messages()) == 1


def test_rate_limit_without_retry_handler(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail_next("users.info", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U1")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] in ("7", ["7"])


# ------------------------------------------------------------------ response_url


def test_response_url_allows_five_posts(emu: SlackEmulator) -> None:
    webhook = WebhookClient(emu.new_response_url())
    statuses = [webhook.send(text=f"m{i}", replace_original=i == 0).status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]
    posts = emu.response_posts()
    assert [p["text"] for p in posts] == [f"m{i}" for i in range(5)]
    assert posts[0]["replace_original"] is True


def test_unknown_path_is_404(emu: SlackEmulator) -> None:
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"http://127.0.0.1:{emu.http_port}/nope", timeout=5)
    assert info.value.code == 404


# ------------------------------------------------------------------ Socket Mode + Bolt


def test_bolt_socket_mode_round_trip(emu: SlackEmulator) -> None:
    app = App(client=WebClient(token=BOT, base_url=emu.api_url), signing_secret="unused")
    seen: list[dict] = []

    @app.command("/papers")
    def papers(ack, respond, command):
        ack()
        seen.append(command)
        respond("hi")

    @app.action("more_results")
    def more(ack, respond, body):
        ack()
        respond(text=f"more {body['actions'][0]['value']}", replace_original=False)

    handler = SocketModeHandler(app, APP, logger=logging.getLogger("test.socket"))
    try:
        handler.connect()
        emu.wait_socket_connected(timeout=10)

        eid = emu.send_slash_command(text="ocr", command="/papers", user_id="U1")
        ack = emu.wait_ack(eid, timeout=5)
        assert ack.envelope_id == eid and 0 <= ack.latency < 5
        assert emu.response_posts(timeout=5)[0]["text"] == "hi"
        assert seen[0]["text"] == "ocr" and seen[0]["user_id"] == "U1"
        assert seen[0]["response_url"].startswith(f"http://127.0.0.1:{emu.http_port}/response/")

        posted = WebClient(token=BOT, base_url=emu.api_url).chat_postMessage(channel="C1", text="r")
        eid = emu.send_block_action("more_results", "page2", message_ts=posted["ts"])
        emu.wait_ack(eid, timeout=5)
        posts = emu.response_posts(timeout=5, min_count=2)
        assert posts[1] == {"text": "more page2", "replace_original": False}
        assert emu.socket_connections == 1

        emu.disconnect_socket()  # Slack's "disconnect" + close: the client must reconnect
        emu.wait_for(lambda: len(emu.calls("apps.connections.open")) == 2, timeout=10)
        eid = emu.send_slash_command(text="again")
        emu.wait_ack(eid, timeout=5)
        assert emu.response_posts(timeout=5, min_count=3)[2]["text"] == "hi"
    finally:
        handler.close()
    emu.wait_for(lambda: emu.socket_connections == 0, timeout=5)


def test_wait_helpers_time_out(emu: SlackEmulator) -> None:
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        emu.wait_socket_connected(timeout=0.2)
    with pytest.raises(TimeoutError):
        emu.wait_ack("missing", timeout=0.2)
    with pytest.raises(TimeoutError):
        emu.response_posts(timeout=0.2)
    with pytest.raises(TimeoutError):
        emu.wait_for(lambda: False, timeout=0.2)
    assert time.monotonic() - start < 3


# ------------------------------------------------------------------ signing


def test_signed_headers_verify() -> None:
    body = b"command=%2Fpapers&text=ocr"
    headers = signed_headers("s3cret", body)
    assert headers["X-Slack-Signature"].startswith("v0=")
    assert SignatureVerifier("s3cret").is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    old = signed_headers("s3cret", body, timestamp=int(time.time()) - 3600)
    assert not SignatureVerifier("s3cret").is_valid_request(body, old)


def test_oauth_codes_are_single_use_and_tokens_belong_to_their_workspace(emu: SlackEmulator):
    emu.client_id, emu.client_secret = "1.2", "secret"
    anon = WebClient(base_url=emu.api_url)
    code = emu.issue_oauth_code("TA", "Lab A")
    granted = anon.oauth_v2_access(code=code, client_id="1.2", client_secret="secret")
    assert granted["team"] == {"id": "TA", "name": "Lab A"} and granted["token_type"] == "bot"
    with pytest.raises(SlackApiError) as used:
        anon.oauth_v2_access(code=code, client_id="1.2", client_secret="secret")
    assert used.value.response["error"] == "invalid_code"
    with pytest.raises(SlackApiError) as wrong:
        anon.oauth_v2_access(code=emu.issue_oauth_code("TB"), client_id="1.2", client_secret="x")
    assert wrong.value.response["error"] == "bad_client_secret"

    team_a = WebClient(token=granted["access_token"], base_url=emu.api_url)
    answer = team_a.auth_test()
    assert answer["team_id"] == "TA" and answer.headers["X-OAuth-Scopes"] == "commands,chat:write"
    assert WebClient(token=BOT, base_url=emu.api_url).auth_test()["team_id"] == "T0001"
    emu.revoke_token(granted["access_token"])
    with pytest.raises(SlackApiError) as revoked:
        team_a.auth_test()
    assert revoked.value.response["error"] == "token_revoked"
