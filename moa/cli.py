"""The `moa` command: a thin layer over the library.

Each stage registers its own subcommands (`register(subparsers, parent)` in its `cli` module, listed in STAGES
in the order of the data flow). A command
function takes the parsed arguments and returns data; this module prints it (text, --json or --csv) and turns
errors into exit codes: 2 for a user mistake, 1 for a failure of the outside world.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys

from agreements import cli as agreements_cli
from alerts import cli as alerts_cli
from compare import cli as compare_cli
from export import cli as export_cli
from extract import cli as extract_cli
from harvest import cli as harvest_cli
from harvest import ledger_cli
from search import cli as search_cli
from web import cli as web_cli

from . import __version__
from .errors import MoaError
from .log import setup as setup_logging
from .output import emit

STAGES = (
    harvest_cli,      # moa harvest, moa mirror
    ledger_cli,       # moa ledger …
    extract_cli,      # moa extract
    agreements_cli,   # moa show
    search_cli,       # moa index, moa search
    compare_cli,      # moa compare
    export_cli,       # moa export
    web_cli,          # moa serve
    alerts_cli,       # moa update, moa alerts …
)

log = logging.getLogger("moa")


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand accepts (so they may be given after the subcommand name)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--data", metavar="DIR", help="data directory (default: $MOA_DATA, else ./corpus)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", dest="format", action="store_const", const="json", help="print JSON")
    fmt.add_argument("--csv", dest="format", action="store_const", const="csv", help="print CSV")
    p.add_argument("-v", "--verbose", action="count", default=0)
    p.add_argument("-q", "--quiet", action="store_true")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moa", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"moa {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parent = common_options()
    for stage in STAGES:
        stage.register(sub, parent)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    setup_logging(args.verbose, args.quiet)
    try:
        result = args.func(args)
        emit(result, getattr(args, "format", None) or "text", getattr(args, "render", None))
    except MoaError as e:
        print(f"moa: {e}", file=sys.stderr)
        return e.exit_code
    except sqlite3.DatabaseError as e:
        print(f"moa: catalog error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("moa: interrupted; the catalog is consistent, run the command again to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    code = getattr(args, "exit_code", 0)
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
