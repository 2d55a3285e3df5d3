"""`imr`: the command line. Each subcommand lives in `imr_cli/commands/<name>.py`
and exposes `register(subparsers)`; this module only wires them together."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from indexer import settings

COMMANDS = ("parse", "index", "search", "serve", "synth", "user", "token", "vocab", "alerts")
LOG_LEVELS = settings.LOG_LEVELS
LOG_LEVEL_ENV = "IMR_LOG_LEVEL"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imr", description="IMR Precedent Search")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"imr_cli.commands.{name}").register(sub)
    for command in sub.choices.values():
        command.add_argument(
            "--log-level",
            choices=LOG_LEVELS,
            default=None,
            help=f"what the log (stderr) shows: per-file failures and the run's summary "
            f"(info), slow queries (warning) ... (default ${LOG_LEVEL_ENV} or warning)",
        )
    return parser


def log_level(flag: str | None) -> int:
    """The flag, else IMR_LOG_LEVEL, else warning; a bad IMR_LOG_LEVEL is an error naming it."""
    try:
        name = flag or settings.get(LOG_LEVEL_ENV)
    except settings.SettingError as exc:
        raise SystemExit(f"imr: {exc}") from None
    return getattr(logging, name.upper())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=log_level(args.log_level), format=LOG_FORMAT, stream=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except settings.SettingError as exc:  # a bad IMR_* value: say which, no traceback
        raise SystemExit(f"imr: {exc}") from None
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
