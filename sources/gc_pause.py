"""A pause of Python's cyclic garbage collector around bulk parsing.

Parsers that allocate many small containers and free none of them (SIE transactions,
Kolada's decoded pages) set off collections that walk everything the process holds, over
and over. None of those objects form cycles, so collecting during the parse finds nothing.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused_gc() -> Iterator[None]:
    """Collector off for the block, back on afterwards, also on an error; a caller that had
    paused it already keeps it paused."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
