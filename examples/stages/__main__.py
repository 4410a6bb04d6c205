"""``python -m examples.stages``: the example blog's stages, from the repository root.

``diff OLD NEW`` prints the change between two stages (the guide's numbers);
``regenerate`` rewrites the folders of the generated stages from the migrate command.
"""

from __future__ import annotations

import argparse
import sys

from examples import stages


def main(argv: list[str] | None = None) -> int:
    """Run the command; its exit code.

    :param argv: the arguments, without the program name; ``None`` reads ``sys.argv``.
    """
    parser = argparse.ArgumentParser(prog="python -m examples.stages")
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser("diff", help="print the unified diff between two stages")
    compare.add_argument("old", type=int)
    compare.add_argument("new", type=int)
    commands.add_parser(
        "regenerate", help="rewrite the generated stages from `fss-compat migrate --stage N`"
    )
    args = parser.parse_args(argv)
    if args.command == "diff":
        sys.stdout.write(stages.diff(args.old, args.new))
        return 0
    changed = stages.regenerate()
    names = ", ".join(str(number) for number in changed) or "none"
    sys.stdout.write(f"Stages rewritten: {names}. Review them with 'git diff'.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
