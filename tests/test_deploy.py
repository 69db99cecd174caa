"""The deployment files: the image's entrypoint and healthcheck, run as written (no Docker)."""

import json
import re
import subprocess
import sys
import tomllib

from bot.healthcheck import check
from tests.bot_process import ROOT, free_port

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _exec_form(instruction: str) -> list[str]:
    """The JSON array of a Dockerfile instruction in exec form (the last one wins)."""
    found = re.findall(rf"^{instruction}\b.*?(\[.*\])\s*$", DOCKERFILE, re.M)
    assert found, instruction
    return json.loads(found[-1])


def test_image_runs_the_bot_unprivileged_with_the_store_on_its_volume():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert _exec_form("ENTRYPOINT") == ["papers-bot"] and "papers-bot" in scripts
    assert _exec_form("CMD")[:2] == ["run", "--http"]
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    volume = _exec_form("VOLUME")[0]
    assert f"PAPERS_DB={volume}/" in DOCKERFILE
    assert 'CMD ["python", "-m", "bot.healthcheck"]' in DOCKERFILE


def test_healthcheck_command_fails_on_a_dead_port_with_one_line():
    port = free_port()
    run = subprocess.run(
        [sys.executable, "-m", "bot.healthcheck", f"http://127.0.0.1:{port}/healthz"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert run.returncode == 1
    assert run.stdout.startswith("unhealthy: ") and len(run.stdout.splitlines()) == 1
    assert run.stderr == ""


def test_healthcheck_reads_the_json_of_healthz(httpserver):
    httpserver.expect_request("/ok").respond_with_json(
        {"ok": True, "store": "ok", "leader": "host:1"}
    )
    httpserver.expect_request("/bad").respond_with_json(
        {"ok": False, "store": "unreadable: disk I/O error", "leader": None}, status=503
    )
    assert check(httpserver.url_for("/ok")) == (True, "store ok, scheduler leader host:1")
    healthy, line = check(httpserver.url_for("/bad"))
    assert not healthy and "unreadable: disk I/O error" in line and "leader unknown" in line
