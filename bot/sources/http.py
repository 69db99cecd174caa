"""One httpx client per source, and GET with bounded retries."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bot import USER_AGENT
from bot.errors import SourceUnavailable

TIMEOUT = httpx.Timeout(20.0, connect=5.0)


def make_client(base_url: str = "", timeout: httpx.Timeout = TIMEOUT) -> httpx.Client:
    """A long-lived client with explicit timeouts and a User-Agent naming the app."""
    return httpx.Client(
        base_url=base_url,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
    )


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


@dataclass
class Fetcher:
    """GETs from one source, retrying connect errors, timeouts, 429 and 5xx with backoff.

    Retries are bounded both in count and in total waiting, so an outage costs at most
    `max_wait` seconds before the caller hears which source failed and why.
    """

    name: str
    client: httpx.Client
    attempts: int = 4
    backoff: float = 1.0
    max_wait: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def get(
        self, url: str, params: dict | None = None, allow: tuple[int, ...] = ()
    ) -> httpx.Response:
        """The response to GET `url`; raises SourceUnavailable naming the source and why.

        Statuses in `allow` (such as 404 for "no such paper") come back as responses.
        """
        waited = 0.0
        problem = "no attempt made"
        for attempt in range(self.attempts):
            wait = self.backoff * 2**attempt
            try:
                response = self.client.get(url, params=params)
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as exc:
                problem = f"could not connect ({type(exc).__name__})"
            else:
                if response.status_code < 400 or response.status_code in allow:
                    return response
                problem = f"HTTP {response.status_code}"
                if response.status_code == 429:
                    wait = max(wait, _retry_after(response) or 0)
                elif response.status_code < 500:
                    break
            if attempt + 1 == self.attempts or waited + wait > self.max_wait:
                break
            self.sleep(wait)
            waited += wait
        raise SourceUnavailable(f"{self.name} is unavailable: {problem}")
