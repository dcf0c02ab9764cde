"""python -m g2p: English lines on stdin -> one phoneme line per input line on stdout."""
from __future__ import annotations

import sys

from . import G2PError, phonemize


def main() -> int:
    for line in sys.stdin:
        try:
            out = phonemize(line.rstrip('\n'))
        except G2PError:
            out = ''
        sys.stdout.write(out + '\n')
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
