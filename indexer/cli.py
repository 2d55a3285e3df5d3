"""`imr`: the command line. Each subcommand lives in `indexer/commands/<name>.py`
and exposes `register(subparsers)`; this module only wires them together."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("parse", "index", "search", "serve", "synth", "user", "token", "vocab", "alerts")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imr", description="IMR Precedent Search")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"indexer.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"indexer.commands.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
