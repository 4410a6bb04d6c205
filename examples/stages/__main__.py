"""``python -m examples.stages diff OLD NEW``: the change between two stages of the blog.

Run it from the repository root; the stage numbers are the guide's.
"""

from __future__ import annotations

import argparse
import sys

from examples.stages import diff


def main(argv: list[str] | None = None) -> int:
    """Run the command; its exit code.

    :param argv: the arguments, without the program name; ``None`` reads ``sys.argv``.
    """
    parser = argparse.ArgumentParser(prog="python -m examples.stages")
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser("diff", help="print the unified diff between two stages")
    compare.add_argument("old", type=int)
    compare.add_argument("new", type=int)
    args = parser.parse_args(argv)
    sys.stdout.write(diff(args.old, args.new))
    return 0


if __name__ == "__main__":
    sys.exit(main())
