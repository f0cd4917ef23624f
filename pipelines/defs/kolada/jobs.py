import dagster as dg

from pipelines.defs.kolada.assets import kolada_observations, kolada_values

kolada_job = dg.define_asset_job(
    "kolada_job",
    selection=dg.AssetSelection.assets(kolada_values, kolada_observations),
    description="Hämta och ladda Kolada för ett år (yearly partition).",
)
