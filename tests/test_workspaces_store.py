"""The store's side of many workspaces: installations, OAuth states, forgetting a team, leases."""

import sqlite3
import time
from pathlib import Path

import yaml
from slack_sdk.oauth.installation_store import Installation

from bot.core.models import Paper, Sighting
from bot.slack.installations import StoreInstallations, StoreStates, TeamClients
from bot.slack.oauth import BOT_SCOPES
from bot.store import Store
from bot.store.workspaces import TEAM_TABLES

ROOT = Path(__file__).resolve().parents[1]


def installation(team: str, token: str, user: str = "U1", **extra) -> Installation:
    return Installation(
        app_id="A1",
        team_id=team,
        team_name=f"Lab {team}",
        bot_token=token,
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes="commands,chat:write",
        user_id=user,
        **extra,
    )


def test_installations_round_trip_per_team(store):
    installs = StoreInstallations(store)
    installs.save(installation("TA", "xoxb-a", bot_refresh_token="xoxe-1", bot_token_expires_in=60))
    installs.save(installation("TB", "xoxb-b"))
    found = installs.find_installation(enterprise_id=None, team_id="TA")
    assert (found.team_id, found.bot_token, found.bot_refresh_token) == ("TA", "xoxb-a", "xoxe-1")
    assert found.bot_token_expires_at and found.bot_token_expires_at > time.time()
    assert installs.find_bot(enterprise_id=None, team_id="TB").bot_token == "xoxb-b"
    assert installs.find_installation(enterprise_id=None, team_id="TC") is None
    assert (
        installs.find_installation(enterprise_id=None, team_id="TA", user_id="U1").user_id == "U1"
    )
    installs.delete_bot(enterprise_id=None, team_id="TA")
    assert installs.find_bot(enterprise_id=None, team_id="TA") is None
    assert installs.find_bot(enterprise_id=None, team_id="TB") is not None


def test_team_clients_use_each_workspace_token(store, settings):
    StoreInstallations(store).save(installation("TA", "xoxb-a"))
    clients = TeamClients(settings, store)
    assert clients.for_team("TA").token == "xoxb-a"
    assert clients.for_team("TB") is None


def test_states_are_single_use_and_expire(store):
    states = StoreStates(store, expiration_seconds=60)
    state = states.issue()
    assert states.consume(state) and not states.consume(state)  # replayed
    assert not states.consume("forged") and not states.consume("")
    store.issue_state("old", time.time() - 1)
    assert not states.consume("old")  # expired


def test_forget_team_deletes_every_team_table_and_only_that_team(store):
    store.upsert([Sighting(Paper("2606.00001", "A paper"), "file")])
    for team in ("TA", "TB"):
        store.save_paper(team, "U1", "2606.00001")
        store.mark_not_interested(team, "U1", "2606.00001")
        store.add_topic(team, "U1", "diffusion")
        store.save_channel(team, "C1", "U1", enabled=1)
        store.save_person(team, "U1", tz="UTC")
        StoreInstallations(store).save(installation(team, f"xoxb-{team}"))
    store.db.execute(
        "INSERT INTO deliveries (team, target, day, paper_id, kind, created_at) "
        "VALUES ('TA', 'C1', '2026-11-30', '', 'parent', 'x')"
    )
    store.db.conn.commit()
    removed = store.forget_team("TA")
    assert set(removed) == set(TEAM_TABLES) and all(removed.values())
    for table, column in TEAM_TABLES.items():
        teams = {r[0] for r in store.db.execute(f"SELECT DISTINCT {column} FROM {table}")}
        assert "TA" not in teams
    assert store.topics("TB", "U1") == ["diffusion"] and store.channel("TB", "C1") is not None
    assert store.saved_ids("TB", "U1") == {"2606.00001"} and store.saved_ids("TA", "U1") == set()


def test_every_team_column_is_listed_for_forgetting(store):
    """A new table with a `team` column must be added to TEAM_TABLES, or uninstall leaks it."""
    tables = [r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    keyed = {
        t
        for t in tables
        if {"team", "team_id"} & {c[1] for c in store.db.execute(f"PRAGMA table_info({t})")}
    }
    assert keyed == set(TEAM_TABLES)


def test_lease_has_one_holder_until_it_expires(store):
    assert store.take_lease("scheduler", "h:1", ttl=30, now=1000)
    assert not store.take_lease("scheduler", "h:2", ttl=30, now=1010)
    assert store.take_lease("scheduler", "h:1", ttl=30, now=1020)  # renewed
    assert not store.take_lease("scheduler", "h:2", ttl=30, now=1049)
    assert store.take_lease("scheduler", "h:2", ttl=30, now=1051)  # h:1 stopped renewing
    assert store.lease("scheduler") == ("h:2", 1081)
    store.release_lease("scheduler", "h:1")  # not the holder: nothing happens
    assert store.lease("scheduler")[0] == "h:2"


def test_stores_opened_at_once_migrate_once(tmp_path):
    """Several workers starting on a new store take turns migrating it (migration_lock)."""
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "new.db"
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: Store(path), range(4)))
    applied = sqlite3.connect(path).execute("SELECT count(*) FROM _sqlite_migrations").fetchone()
    names = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM _sqlite_migrations")}
    assert applied[0] == len(names)
    assert all(s.count() == 0 for s in stores)


def test_oauth_scopes_are_the_manifest_scopes():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert set(BOT_SCOPES) == set(manifest["oauth_config"]["scopes"]["bot"])


def test_a_rotating_bot_token_is_refreshed_before_it_expires(store, settings):
    from dataclasses import replace

    from bot.slack.client import make_client
    from tests.slack_emulator import SlackEmulator

    with SlackEmulator() as emu:
        emu.client_id, emu.client_secret = "1.2", "secret"
        settings = replace(
            settings, slack_api_url=emu.api_url, client_id="1.2", client_secret="secret"
        )
        granted = make_client(settings).oauth_v2_access(
            code=emu.issue_oauth_code("TA", expires_in=600),  # inside the 120-minute margin
            client_id="1.2",
            client_secret="secret",
        )
        StoreInstallations(store).save(
            installation(
                "TA",
                granted["access_token"],
                bot_refresh_token=granted["refresh_token"],
                bot_token_expires_in=granted["expires_in"],
            )
        )
        client = TeamClients(settings, store).for_team("TA")
        assert client.token != granted["access_token"]
        assert client.auth_test()["team_id"] == "TA"
        assert store.installation(None, "TA")["bot_token"] == client.token
        refreshes = [c for c in emu.calls("oauth.v2.access") if c.params.get("grant_type")]
        assert len(refreshes) == 1

        emu.client_secret = "changed"  # Slack refuses the refresh: the stored token is kept
        assert TeamClients(settings, store).for_team("TA").token == client.token


def test_an_org_wide_install_answers_each_workspace_of_the_org(store, settings):
    installs = StoreInstallations(store)
    org = installation(None, "xoxb-org", enterprise_id="E1", is_enterprise_install=True)
    installs.save(org)
    found = installs.find_installation(
        enterprise_id="E1", team_id="T-any", is_enterprise_install=True
    )
    assert found.bot_token == "xoxb-org" and found.is_enterprise_install
    assert TeamClients(settings, store).for_team("T-any").token == "xoxb-org"
    assert installs.find_installation(enterprise_id="E2", team_id="T-any") is None


def test_healthz_says_what_is_wrong(store):
    from bot.scheduler import Leader
    from bot.slack.app import health

    leader = Leader(store, ttl=30)
    assert health(store, leader)() == {
        "ok": False,
        "store": "ok",
        "leader": None,
        "leader_expires_in": None,
        "this_process_leads": False,
    }
    leader.renew()
    report = health(store, leader)()
    assert report["ok"] and report["this_process_leads"] and report["leader"] == leader.holder

    class Unreadable:
        def count(self):
            raise sqlite3.OperationalError("disk I/O error")

    report = health(Unreadable(), leader)()
    assert report == {"ok": False, "store": "unreadable: disk I/O error", "leader": None}
