"""The `attune` command: a thin dispatcher over one module per sub-command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from service.commands import COMMANDS
from service.errors import EXIT_INTERNAL, EXIT_USAGE, AttuneError


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line on stderr with exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"attune: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="attune", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run one command, and turn its outcome into an exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except AttuneError as e:
        sys.stderr.write(f"attune: error: {e}\n")
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("attune: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:
        sys.stderr.write(f"attune: internal error: {type(e).__name__}: {e}\n")
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
