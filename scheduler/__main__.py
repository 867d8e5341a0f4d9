"""``python -m scheduler scheduler|jobs ...``: the same commands as ``narcoscope scheduler|jobs``.

Works before (and after) the two commands are listed in ``narcoscope.cli.COMMANDS``; tests and
the bench start the service this way.
"""

from __future__ import annotations

import sys

from narcoscope import cli


def main() -> int:
    cli.COMMANDS = (*cli.COMMANDS, *(c for c in ("scheduler", "jobs") if c not in cli.COMMANDS))  # type: ignore[assignment]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
