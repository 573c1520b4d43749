"""`moa update` and `moa alerts add|list|remove|run|feed`."""

from __future__ import annotations

import argparse
import os
import sys

from harvest.page import ICE_BASE
from moa.catalog import connect, data_path
from moa.errors import UserError
from search.index_docs import LEVELS

from . import feeds, message, subscriptions
from .mail import DEFAULT_FROM
from .outbox import Settings
from .update import run_update, watch_lock
from .watch import run_alerts


def _delivery_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="DATE",
                   help="first run only: alert on ledger events published from DATE (default: start from now)")
    p.add_argument("--link-base", default=os.environ.get("MOA_PUBLIC_URL", message.DEFAULT_LINK_BASE), metavar="URL",
                   help="where `moa serve` is reached, for links in alerts (default: $MOA_PUBLIC_URL, else "
                        f"{message.DEFAULT_LINK_BASE})")
    p.add_argument("--smtp", metavar="URL", help="SMTP server for e-mail alerts, smtp://host[:port] or smtps://… "
                                                 "(default: $MOA_SMTP_URL, else smtp://127.0.0.1:25)")
    p.add_argument("--mail-from", default=os.environ.get("MOA_MAIL_FROM", DEFAULT_FROM), metavar="ADDR",
                   help=f"sender of e-mail alerts (default: $MOA_MAIL_FROM, else {DEFAULT_FROM})")
    p.add_argument("--retries", type=int, default=3, metavar="N",
                   help="retries of a failed delivery within this run (default 3; it is tried again next run)")
    p.add_argument("--retry-wait", type=float, default=1.0, metavar="S",
                   help="seconds before the first retry, doubled each time (default 1)")


def _settings(args: argparse.Namespace) -> Settings:
    if args.retries < 0 or args.retry_wait < 0:
        raise UserError("--retries and --retry-wait must not be negative")
    return Settings(link_base=args.link_base, smtp_url=args.smtp, mail_from=args.mail_from, retries=args.retries,
                    retry_wait=args.retry_wait)


def register(sub, parent) -> None:
    """Add `moa update` and `moa alerts …`."""
    p = sub.add_parser("update", parents=[parent], help="the daily job: harvest, ledger, extract, index, alerts",
                       description="Harvest ICE (or --base-url), update the ledger, extract new PDFs, index them "
                                   "(SQLite) and send alerts. Idempotent; one run at a time; one summary line.")
    p.add_argument("--base-url", default=ICE_BASE, metavar="URL", help=f"harvest from here (default {ICE_BASE})")
    p.add_argument("--delay", type=float, default=1.0, metavar="S", help="seconds between requests (default 1)")
    p.add_argument("--ocr", choices=("skip", "auto", "force"), default="auto", help="extraction's OCR mode")
    p.add_argument("--jobs", type=int, default=2, help="OCR worker processes (default 2)")
    _delivery_options(p)
    p.set_defaults(func=cmd_update, render=lambda r: r["summary"])

    a = sub.add_parser("alerts", help="subscriptions to ledger events and saved searches; delivery")
    asub = a.add_subparsers(dest="alerts_command", metavar="SUBCOMMAND", required=True)
    add = asub.add_parser("add", parents=[parent], help="subscribe to ledger events or a saved search",
                          description="Ledger events (--events, filtered by --model/--state/--agency) or a saved "
                                      "search (--query), delivered by --webhook and/or --email, and always in "
                                      "the Atom feed /feeds/NAME.atom of `moa serve`.")
    add.add_argument("name", help="a name (letters, digits, . _ -); the feed is /feeds/NAME.atom")
    add.add_argument("--events", default=",".join(subscriptions.EVENTS), metavar="LIST",
                     help="which ledger events: added,removed,changed (default all)")
    add.add_argument("--model", help="only agreements of this model (JEM, WSO, TFM)")
    add.add_argument("--state", help="only agreements in this state (two-letter code)")
    add.add_argument("--agency", help="only agencies whose name contains this")
    add.add_argument("--query", help="a saved search instead: any `moa search` query, e.g. 'model:TFM state:FL'")
    add.add_argument("--level", choices=LEVELS, default="document",
                     help="what a saved search fires for: documents (default), pages, clauses or agreements on "
                          "ICE's lists (held or not) that newly match")
    add.add_argument("--webhook", metavar="URL", help="POST each alert as JSON here, signed (X-Moa-Signature)")
    add.add_argument("--secret", help="the webhook's HMAC secret (default: a random one, printed once)")
    add.add_argument("--email", metavar="ADDR", help="send each alert by e-mail to this address")
    add.add_argument("--digest-over", type=int, default=subscriptions.DIGEST_OVER, metavar="N",
                     help=f"more than N new alerts in one run are sent as one digest (default {subscriptions.DIGEST_OVER})")
    add.add_argument("--since", metavar="DATE", help="also alert on ledger events published from DATE")
    add.set_defaults(func=cmd_add, render=_render_add)

    ls = asub.add_parser("list", parents=[parent], help="every subscription and how its deliveries stand")
    ls.set_defaults(func=lambda args: subscriptions.listing(connect(args.data)), render=_render_list)

    rm = asub.add_parser("remove", parents=[parent], help="remove a subscription (its delivery log goes with it)")
    rm.add_argument("name")
    rm.set_defaults(func=lambda args: subscriptions.remove(connect(args.data), args.name),
                    render=lambda r: f"removed {r['removed']}")

    run = asub.add_parser("run", parents=[parent], help="take in new ledger events, match, deliver (no harvest)")
    _delivery_options(run)
    run.set_defaults(func=cmd_run, render=_render_run)

    feed = asub.add_parser("feed", parents=[parent], help="print an Atom feed (as `moa serve` serves it)")
    feed.add_argument("name", nargs="?", default="events", help="a subscription's name, or events (default)")
    feed.add_argument("--link-base", default=os.environ.get("MOA_PUBLIC_URL", message.DEFAULT_LINK_BASE),
                      metavar="URL", help="where `moa serve` is reached")
    feed.set_defaults(func=cmd_feed)


def cmd_update(args: argparse.Namespace) -> dict:
    if not args.base_url.startswith(("http://", "https://")):
        raise UserError(f"--base-url must be an http(s) URL, got {args.base_url!r}")
    conn = connect(args.data)
    try:
        result = run_update(conn, base_url=args.base_url, delay=args.delay, ocr=args.ocr, jobs=args.jobs,
                            since=args.since, settings=_settings(args))
    finally:
        conn.close()
    if not result["ok"]:
        args.exit_code = 1
    return result


def cmd_add(args: argparse.Namespace) -> dict:
    conn = connect(args.data)
    events = [e.strip() for e in args.events.split(",") if e.strip()]
    return subscriptions.add(conn, args.name, events=events, model=args.model, state=args.state, agency=args.agency,
                             query=args.query, level=args.level, webhook_url=args.webhook, webhook_secret=args.secret,
                             email=args.email, digest_over=args.digest_over, since=args.since)


def _render_add(s: dict) -> str:
    lines = [f"added {subscriptions.describe(s)}"]
    if s["kind"] == "search":
        lines.append(f"  {s['baseline_matches']} current matches taken as known; new ones will fire")
    if s.get("webhook_url"):
        lines.append(f"  webhook secret (HMAC-SHA256 of the body, header X-Moa-Signature): {s['webhook_secret']}")
    lines.append(f"  feed: /feeds/{s['name']}.atom")
    return "\n".join(lines)


def _render_list(rows: list[dict]) -> str:
    if not rows:
        return "no subscriptions (add one with `moa alerts add`)"
    return "\n".join(f"{subscriptions.describe(s)}  [fired {s['fired']}; deliveries {s['deliveries']['sent']} sent, "
                     f"{s['deliveries']['pending']} waiting, {s['deliveries']['failed']} given up]" for s in rows)


def cmd_run(args: argparse.Namespace) -> dict:
    conn = connect(args.data)
    try:
        with watch_lock(data_path(conn)):
            result = run_alerts(conn, _settings(args), since=args.since)
    finally:
        conn.close()
    if result["deliveries"]["pending"] or result["deliveries"]["failed"]:
        args.exit_code = 1
    return result


def _render_run(r: dict) -> str:
    d = r["deliveries"]
    line = (f"alerts: {r['new']} new ledger events, {sum(r['fired'].values())} alerts fired, {d['sent']} deliveries "
            f"sent, {d['pending']} waiting, {d['failed']} given up")
    if r["first_run"] and r["baseline"]:
        line += f"; first run: {r['baseline']} earlier events taken as known"
    for s in r["malformed_snapshots"]:
        line += f"\n  malformed snapshot {s['name']} ({'; '.join(s['flags'])}): no alerts"
    for e in d["errors"]:
        line += f"\n  {e}"
    return line


def cmd_feed(args: argparse.Namespace) -> None:
    conn = connect(args.data)
    body = (feeds.events_feed(conn, args.link_base) if args.name == "events"
            else feeds.subscription_feed(conn, args.name, args.link_base))
    if body is None:
        raise UserError(f"no subscription named {args.name!r}")
    sys.stdout.buffer.write(body)
    sys.stdout.flush()
