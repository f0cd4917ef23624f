"""The sha256 of a file, read in blocks: the name under which the raw layer keeps a file (the
inbox's archive, AF's workbooks) and what a backup's manifest checks each copy against."""

from __future__ import annotations

import hashlib
import os


def sha256_of(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
