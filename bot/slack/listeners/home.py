"""The Home tab: published on `app_home_opened`, and again after each change a person makes."""

import logging

from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.core.commands import Command, Handlers, Notice, Who, trending_list
from bot.errors import PapersError
from bot.slack import blocks, paper_blocks
from bot.slack.client import error_code, for_person, time_zone

log = logging.getLogger(__name__)


def view_for(handlers: Handlers, who: Who, note: str = "") -> dict:
    """The person's Home tab as a view: digest settings, topics, saved papers, trending."""
    store = handlers.store
    status = handlers.handle(Command("digest", "status"), who)
    person = store.person(who.team, who.user)
    day, papers, _ = trending_list(store, handlers.now())
    view = paper_blocks.home_view(
        digest_text=status.text if isinstance(status, Notice) else "",
        digest_on=person is None or bool(person.enabled),
        topics=store.topics(who.team, who.user),
        saved=store.saved_papers(who.team, who.user, paper_blocks.HOME_SAVED),
        saved_total=store.count_saved(who.team, who.user),
        trending_papers=papers[: paper_blocks.HOME_TRENDING],
        trending_day=day if papers else None,
        saved_ids=store.saved_ids(who.team, who.user),
        weekly=person is not None and person.cadence == "weekly",
    )
    if note:  # the answer to a click in the Home tab, which has no response_url
        view["blocks"] = [blocks.context(blocks.escape(note)), *view["blocks"]]
        view["blocks"] = view["blocks"][: paper_blocks.MAX_VIEW_BLOCKS]
    return view


def publish(handlers: Handlers, client, who: Who, note: str = "") -> bool:
    """views.publish the person's Home tab; False (and one log line) when it cannot be."""
    try:
        client.views_publish(user_id=who.user, view=view_for(handlers, who, note))
        return True
    except SlackApiError as exc:
        log.warning("views.publish failed for %s: %s", who.user, error_code(exc))
    except (SlackRequestError, OSError) as exc:
        log.warning("Could not reach Slack to publish a Home tab: %s", exc)
    except PapersError as exc:
        log.warning("Could not build a Home tab: %s", exc)
    return False


def home_opened(handlers: Handlers, run=None):
    """`app_home_opened`: publish that person's Home (the Messages tab is left alone).

    :param run: `run(job, what)` runs the work off Bolt's threads (WorkPool.submit); inline
        when None.
    """

    def handle_home_opened(body, event, client):
        if not isinstance(event, dict) or event.get("tab") not in ("home", None):
            return
        user, team = event.get("user"), body.get("team_id") if isinstance(body, dict) else None
        if not isinstance(user, str) or not isinstance(team, str):
            log.warning("app_home_opened without a user or team; ignored")
            return
        quick = for_person(client)

        def job() -> None:
            who = Who(team=team, user=user)
            person = handlers.store.person(team, user)
            if person is None or not person.tz:  # the digest's hour is read in their zone
                who = Who(team=team, user=user, tz=time_zone(quick, user))
            publish(handlers, quick, who)

        if run is None:
            job()
        elif not run(job, "an app_home_opened event"):
            log.warning("Too busy to publish a Home tab; the next opening will")

    return handle_home_opened
