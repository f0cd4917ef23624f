import dagster as dg

from pipelines.defs.catalog.assets import indicator_catalog
from pipelines.defs.indicators.assets import indicator_status, kf_due_list
from pipelines.defs.indicators.publish import snapshot
from pipelines.defs.kolada.assets import kolada_kpi

indicators_job = dg.define_asset_job(
    "indicators_job",
    selection=dg.AssetSelection.assets(indicator_catalog, kolada_kpi, indicator_status, kf_due_list, snapshot),
    description="Ladda katalogen, KPI-metadata, räkna status och KF-listan, kontrollera och publicera.",
)
