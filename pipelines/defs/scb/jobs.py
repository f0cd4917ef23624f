import dagster as dg

from pipelines.defs.scb.assets import scb_observations, scb_values

scb_job = dg.define_asset_job(
    "scb_job",
    selection=dg.AssetSelection.assets(scb_values, scb_observations),
    description="Hämta (om tabellen ändrats) och ladda SCB för ett år (yearly partition).",
)
