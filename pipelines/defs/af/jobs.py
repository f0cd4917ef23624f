import dagster as dg

from pipelines.defs.af.assets import af_files, af_observations

af_job = dg.define_asset_job(
    "af_job",
    selection=dg.AssetSelection.assets(af_files, af_observations),
    description="Hämta och läs in Arbetsförmedlingens månadsfiler för en månad (monthly partition).",
)
