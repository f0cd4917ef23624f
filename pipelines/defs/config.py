"""Run configuration shared by the source assets (set in the UI's Launchpad or run config)."""

import dagster as dg
from pydantic import Field

from warehouse.core.observations import RetireGuard


class FetchConfig(dg.Config):
    """raw/kolada_values, raw/scb_values and stg/af_observations: `bekrafta_borttagning` lands
    an answer that the retirement guard would refuse (warehouse/core/observations.py RetireGuard)."""

    bekrafta_borttagning: bool = Field(
        default=False,
        description="Landa svaret även om det tar bort fler aktuella värden än en liten andel. "
                    "Bara när borttagningen är kontrollerad och riktig.")

    def guard(self) -> RetireGuard | None:
        """The retirement guard of the step, None when the run confirms the removals."""
        return None if self.bekrafta_borttagning else RetireGuard()
