import dagster as dg

from pipelines.deployment import imported_keys, key, role
from pipelines.defs.catalog.assets import indicator_catalog
from pipelines.defs.indicators.assets import indicator_status, kf_due_list
from pipelines.defs.indicators.publish import snapshot

# A kommun of a deployment imports the public figures (with the KPI metadata) first; a single
# location reads the KPI metadata from Kolada (raw/kolada_kpi).
KOMMUN = role() == "kommun"
indicators_job = dg.define_asset_job(
    "indicators_job",
    selection=dg.AssetSelection.assets(indicator_catalog, indicator_status, kf_due_list, snapshot)
    | dg.AssetSelection.assets(*(imported_keys() if KOMMUN else [key("raw", "kolada_kpi")])),
    description=("Importera offentlig statistik, ladda katalogen, räkna status och KF-listan, kontrollera och publicera."
                 if KOMMUN else
                 "Ladda katalogen, KPI-metadata, räkna status och KF-listan, kontrollera och publicera."),
)
