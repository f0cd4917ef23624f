"""The Dagster code location: everything under defs/ is collected by load_from_defs_folder."""

from pathlib import Path

import dagster as dg


@dg.components.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
