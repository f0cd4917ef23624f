"""Kolada: values for the catalog's KPIs, for the kommun and its comparison group."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.metadata import merge_metadata, preview
from pipelines.defs.partitions import yearly_partition
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import CatalogResource, KoladaResource, warehouse
from sources import clock
from warehouse import kolada as wh_kolada
from warehouse import kolada_nightly
from warehouse.raw import land_kolada_fetch
from warehouse.db import one

COMMON = dict(group_name="kolada", owners=OWNERS, pool=DUCKDB_POOL)


RAW_NOT_EMPTY = "raw_not_empty"
NIGHTLY_TAG = "malstyrning/nightly"  # set by kolada_nightly_schedule


@dg.asset(
    key=["raw", "kolada_values"],
    partitions_def=yearly_partition,
    kinds={"duckdb", "api"},
    check_specs=[
        dg.AssetCheckSpec(
            RAW_NOT_EMPTY,
            asset=["raw", "kolada_values"],
            description="Årets hämtning gav minst ett värde (tomt tyder på fel KPI-id, kommunkod eller ett år utan data ännu).",
        )
    ],
    **COMMON,
)
def kolada_values(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBResource,
    kolada: KoladaResource,
    catalog: CatalogResource,
) -> dg.MaterializeResult:
    """Kolada-svar för ett år: katalogens KPI:er för kommunen och dess jämförelsegrupp
    (eller, med omfattning: riket, för alla 290 kommuner, 21 regioner och riket).

    Hämtar /v3/data/kpi/…/municipality/…/year/<år> (högst 25 id per segment, 5000 per sida,
    alla sidor) och sparar varje svar oförändrat i raw.kolada_responses med URL, tid och
    sha256. Inget sparas om någon sida misslyckas. Kör om ett år för att hämta revideringar.
    Kontrollen raw_not_empty varnar om årets hämtning var tom (vanligt för innevarande år).
    """
    cat = catalog.load()
    client = kolada.client()
    year = int(context.partition_key)
    # The group is fetched in national mode too: its members define the comparison group's mean.
    group = group_page = None
    members: set[str] = set()
    if cat.settings.jamforelsegrupp:
        group, group_page = client.municipality_group(cat.settings.jamforelsegrupp)
        members = {str(m["member_id"]) for m in group["members"]}
    # The kommun and its group, or in national mode every kommun, region and Riket.
    municipalities = cat.kolada_units(members)
    kpis = cat.kolada_kpis()
    releases = None
    if context.run.tags.get(NIGHTLY_TAG) == "1":
        # A nightly run reads the KPIs' release information first (one metadata request)
        # and makes no data request when nothing can be new (warehouse/kolada_nightly.py).
        releases, _ = client.kpi_metadata(kpis)
        today = clock.today()
        with warehouse(duckdb) as conn:
            reason = kolada_nightly.why_fetch(conn, context.partition_key, releases, today, kpis, municipalities)
        if reason is None and today.weekday() == kolada.full_refresh_weekday:
            reason = "veckans fullständiga hämtning (fångar revideringar utan ny publicering)"
        if reason is None:
            context.log.info(f"Kolada {year}: inget nytt publicerat sedan förra hämtningen; ingen datahämtning")
            return dg.MaterializeResult(
                metadata={"skipped": True, "reason": "inget nytt publicerat sedan förra hämtningen", "pages": 0},
                check_results=[dg.AssetCheckResult(check_name=RAW_NOT_EMPTY, passed=True,
                                                   severity=dg.AssetCheckSeverity.WARN,
                                                   metadata={"skipped": True, "year": year})])
        context.log.info(f"Kolada {year}: hämtar data: {reason}")
    # All HTTP first, then one short write: the DuckDB file is held only while writing.
    pages = list(client.data_pages(kpis, municipalities, [year]))
    n_values = sum(len(p.payload["values"]) for p in pages)
    context.log.info(f"Kolada {year}: {len(pages)} sida(or), {n_values} värden för {len(kpis)} KPI:er")
    # Parsed before anything is stored: an answer whose shape changed (a renamed field) is
    # refused with the URL and the field, and the warehouse stays as it was.
    frame = wh_kolada.parsed_pages(pages)
    with warehouse(duckdb) as conn:
        if frame.empty:
            # The newest year is empty until Kolada publishes it; a year that had values and
            # now answers empty is an outage, and landing it would retire every value.
            held = one(conn, "SELECT count(*) FROM stg.current_observations WHERE source = 'kolada' AND period = ?",
                       [str(year)])[0]
            if held:
                raise dg.Failure(description=(
                    f"Kolada svarade utan värden för {year}, men lagret har {held} aktuella värden för året. "
                    f"Troligen ett fel hos Kolada ({pages[0].url if pages else 'inga sidor'}); inget ändrades. "
                    "Kör om partitionen senare."))
        if group is not None:
            wh_kolada.store_group(conn, group, group_page)
        fetch_id, ids = land_kolada_fetch(
            conn,
            pages,
            partition_key=context.partition_key,
            kpis=kpis,
            municipalities=municipalities,
            years=[year],
            run_id=context.run.run_id,
        )
        if releases is not None:
            kolada_nightly.store_snapshot(conn, fetch_id, releases)
    per_kpi = frame["kpi"].value_counts().to_dict()
    return dg.MaterializeResult(
        metadata={
            "fetch_id": fetch_id,
            "pages": len(pages),
            "row_count": len(frame),
            "kpis": ", ".join(kpis),
            **{f"rows: {k}": int(per_kpi.get(k, 0)) for k in kpis},
            "municipalities": (", ".join(sorted(municipalities)) if len(municipalities) <= 40
                               else f"{len(municipalities)} enheter (omfattning riket)"),
            "preview": preview(frame.head(10)),
            "urls": dg.MetadataValue.md("\n".join(f"- {p.url}" for p in pages)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=RAW_NOT_EMPTY,
                passed=n_values > 0,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"values": n_values, "year": year},
            )
        ],
    )


@dg.asset(
    key=["stg", "kolada_observations"],
    deps=[kolada_values],
    partitions_def=yearly_partition,
    kinds={"duckdb"},
    **COMMON,
)
def kolada_observations(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Kolada-värden som observationer (serie, kommun, period, kön) med årgångar.

    Läser årets senast landade hämtning i raw.kolada_responses. Ett ändrat värde blir en ny
    årgång (vintage) och det gamla finns kvar; ett borttaget värde får en gravsten. Att köra
    om samma år utan nya data ändrar ingenting.
    """
    with warehouse(duckdb) as conn:
        result = wh_kolada.load_partition(conn, context.partition_key)
        total = one(conn,
            "SELECT count(*) FROM stg.current_observations WHERE source = 'kolada' AND period = ?",
            [context.partition_key],
        )[0]
        rows = conn.execute(
            "SELECT series, breakdown, region, period, value, status, vintage, first_seen "
            "FROM stg.current_observations WHERE source = 'kolada' AND period = ? "
            "ORDER BY first_seen DESC, series, region, breakdown LIMIT 10",
            [context.partition_key],
        ).df()
    return dg.MaterializeResult(metadata=merge_metadata(result, total, rows))


@dg.asset(key=["raw", "kolada_kpi"], kinds={"duckdb", "api"}, **COMMON)
def kolada_kpi(duckdb: DuckDBResource, kolada: KoladaResource, catalog: CatalogResource) -> dg.MaterializeResult:
    """Kolada KPI-metadata (titel, beskrivning, publiceringsdatum) för katalogens KPI:er.

    Misslyckas med ett tydligt fel om ett KPI-id i katalogen inte finns i Kolada (Kolada
    svarar med ett tomt resultat, inte ett fel, och id:n försvinner mellan versioner), eller
    om katalogen begär kön K/M för ett KPI som inte redovisas per kön.
    """
    cat = catalog.load()
    kpis = cat.kolada_kpis()
    records, pages = kolada.client().kpi_metadata(kpis)
    wh_kolada.check_gender(cat.kolada_indicators(), records)
    with warehouse(duckdb) as conn:
        n = wh_kolada.store_kpi_metadata(conn, kpis, pages)
        preview = conn.execute(
            "SELECT kpi, title, publ_period, publication_date FROM raw.kolada_kpi ORDER BY kpi"
        ).df()
    return dg.MaterializeResult(
        metadata={"row_count": n, "preview": dg.MetadataValue.md(preview.to_markdown(index=False))}
    )
