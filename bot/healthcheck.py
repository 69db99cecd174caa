"""`python -m bot.healthcheck [URL]`: exit 0 when papers-bot's /healthz says ok, else 1 and why.

For container HEALTHCHECKs and service monitors, with nothing but Python in the image. URL
defaults to http://127.0.0.1:$PAPERS_PORT/healthz (port 3000).
"""

import json
import os
import sys
import urllib.error
import urllib.request


def check(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    """(healthy, one line): the store readable and a scheduler leader known, per /healthz."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            body = answer.read()
    except urllib.error.HTTPError as exc:  # 503: the JSON says what is wrong
        body = exc.read()
    except (urllib.error.URLError, OSError) as exc:
        return False, f"{url} unreachable: {getattr(exc, 'reason', exc)}"
    try:
        report = json.loads(body)
    except ValueError:
        return body.strip() == b"ok", body.decode(errors="replace").strip()[:200]
    if not isinstance(report, dict):
        return False, f"{url} answered {body[:200]!r}"
    line = f"store {report.get('store')}, scheduler leader {report.get('leader') or 'unknown'}"
    return bool(report.get("ok")), line


def main(argv: list[str]) -> int:
    port = os.environ.get("PAPERS_PORT") or "3000"
    url = argv[0] if argv else f"http://127.0.0.1:{port}/healthz"
    healthy, line = check(url)
    print(("healthy: " if healthy else "unhealthy: ") + line)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
