"""Kolada: values for the catalog's KPIs, for the kommun and its comparison group."""

import time

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.config import FetchConfig
from pipelines.defs.metadata import merge_metadata, preview
from pipelines.defs.partitions import range_label, yearly_partition
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import CatalogResource, KoladaResource, warehouse
from sources import clock
from sources.kolada import data_urls
from warehouse.core import bodies
from warehouse.kolada import load as wh_kolada
from warehouse.kolada import landing as kolada_landing
from warehouse.kolada import nightly as kolada_nightly
from warehouse.core.observations import MergeResult, RetirementRefused

COMMON = dict(group_name="kolada", owners=OWNERS, pool=DUCKDB_POOL)


NIGHTLY_TAG = "malstyrning/nightly"  # set by kolada_nightly_schedule


@dg.asset(
    key=["raw", "kolada_values"],
    partitions_def=yearly_partition,
    # A backfill of many years is one run asking for all its years in each request (up to
    # 25 per URL segment): one run per year would make about 25 times the requests of a
    # national backfill (docs/benchmarks.md).
    backfill_policy=dg.BackfillPolicy.single_run(),
    # A night with nothing new yields no materialization: the observations step and the
    # raw_not_empty check are skipped, and the asset's history shows only real fetches.
    output_required=False,
    kinds={"duckdb", "api"},
    **COMMON,
)
def kolada_values(
    context: dg.AssetExecutionContext,
    config: FetchConfig,
    duckdb: DuckDBResource,
    kolada: KoladaResource,
    catalog: CatalogResource,
):
    """Kolada-svar för ett eller flera år: katalogens KPI:er för kommunen och dess
    jämförelsegrupp (eller, med omfattning: riket, för alla 290 kommuner, 21 regioner och riket).

    Läser först KPI:ernas metadata (/v3/kpi, sparas i raw.kolada_kpi). Hämtar sedan
    /v3/data/kpi/…/municipality/…/year/<år,…> (utan kommunsegment med omfattning: riket;
    högst 25 id per segment, 5000 per sida, alla sidor) och sparar varje svar oförändrat i
    raw.kolada_responses med URL, tid och sha256, och dess värden i raw.kolada_values.
    En återfyllnad (backfill) av flera år körs
    som en körning som frågar efter alla åren på en gång. Sidorna mellanlagras på disk medan
    de hämtas och landas i en transaktion: inget sparas om någon sida misslyckas. Kör om ett
    år för att hämta revideringar. Kontrollen raw_not_empty varnar för år utan värden
    (vanligt för innevarande år).

    Nattens körning hämtar bara de år där KPI:ernas publiceringsinformation visar något nytt
    (och alla år på söndagar); finns inget nytt materialiseras inget och nästa steg hoppas över.

    Ett svar som saknar en kommun eller ett KPI helt tar inte bort något (ofullständigt svar,
    värdena behålls och det loggas). Ett svar som skulle ta bort mer än en liten andel av de
    aktuella värdena landas inte alls; kör om senare, eller med `bekrafta_borttagning: true`
    om borttagningen är riktig.
    """
    cat = catalog.load()
    client = kolada.client()
    keys = list(context.partition_keys)
    # The group is fetched in national mode too: its members define the comparison group's mean.
    groups = [client.municipality_group(g) for g in cat.comparison_groups()]
    members = {str(m["member_id"]) for group, _page in groups for m in group["members"]}
    # The kommun and its group, or in national mode every kommun, region and Riket.
    municipalities = cat.kolada_units(members)
    # National mode asks for every unit at once (no municipality segment in the URL).
    asked = None if cat.settings.omfattning == "riket" else municipalities
    kpis = cat.kolada_kpis()
    # The KPIs' metadata (with their release information) is read before every fetch, one
    # request per 25 KPIs, and stored: raw.kolada_kpi for titles and the gender check (so
    # the morning's indicators_job need not ask again), and a snapshot with the fetch, so
    # the next night knows what this fetch already saw.
    releases, meta_pages = client.kpi_metadata(kpis)
    with warehouse(duckdb) as conn:
        wh_kolada.store_kpi_metadata(conn, kpis, meta_pages, where=cat.kolada_kpi_fields())
        if context.run.tags.get(NIGHTLY_TAG) == "1":
            reasons = kolada_nightly.years_to_fetch(conn, keys, releases, clock.today(), kpis, municipalities,
                                                    kolada.full_refresh_weekday)
            for key, reason in reasons.items():
                context.log.info(f"Kolada {key}: " + (f"hämtar data: {reason}" if reason else
                                 "inget nytt publicerat sedan förra hämtningen; ingen datahämtning"))
            keys = [key for key, reason in reasons.items() if reason]
    if not keys:
        return
    years = [int(k) for k in keys]
    label = range_label(keys)
    n_urls = len(data_urls(kpis, asked, years))
    context.log.info(f"Kolada {label}: {len(kpis)} KPI:er × {len(municipalities)} enheter, {n_urls} adress(er)")
    # The spool beside the warehouse: its page files become the stored bodies by a rename.
    with kolada_landing.Spool(bodies.spool_folder(duckdb.database)) as spool:
        # All HTTP first, page by page onto disk; the DuckDB file is held only while landing.
        kolada_landing.fetch(client, spool, kpis, asked, years, log=context.log.info)
        per_year = dict(spool.query("SELECT period, count(*) FROM vals GROUP BY period"))
        per_kpi = dict(spool.query("SELECT kpi, count(*) FROM vals GROUP BY kpi")) if len(kpis) <= 40 else {}
        frame = spool.frame(
            "SELECT kpi, municipality, period, gender, value, status, isdeleted FROM vals "
            "ORDER BY kpi, municipality, period, gender LIMIT 10")
        urls = [url for _seq, url, *_ in spool.meta]
        with warehouse(duckdb) as conn:
            try:
                wh_kolada.refuse_emptied_years(conn, keys, per_year, urls[0])
            except wh_kolada.EmptiedAnswer as exc:
                raise dg.Failure(description=str(exc)) from exc
            for group, group_page in groups:
                wh_kolada.store_group(conn, group, group_page)
            started = time.monotonic()
            guard = config.guard()
            loaded: list[MergeResult] = []

            def refuse_incomplete(c) -> None:
                # The load the stg step will make, tried before the landing commits: an answer
                # the guard refuses is never landed (warehouse/core/observations.py).
                loaded.append(wh_kolada.load_partitions(c, keys, guard=guard, dry_run=True))

            try:
                fetch_ids, _ = kolada_landing.land(conn, spool, partition_keys=keys, kpis=kpis,
                                                   municipalities=municipalities, run_id=context.run.run_id,
                                                   check=refuse_incomplete)
            except RetirementRefused as exc:
                raise dg.Failure(description=f"Kolada {label} ({urls[0]}): {exc}", allow_retries=False) from exc
            if loaded and loaded[0].kept:
                context.log.warning(
                    f"Kolada {label}: {loaded[0].kept_note('svaret', 'KPI:er och enheter som inte svarade alls')}")
            context.log.info(f"Kolada {label}: {spool.pages} sidor landade i lagret ({time.monotonic() - started:.1f} s)")
            kolada_nightly.store_snapshot(conn, fetch_ids, releases)
        n_values, n_pages = spool.rows, spool.pages
    yield dg.MaterializeResult(
        metadata={
            "fetch_ids": ", ".join(fetch_ids),
            "values_kept_unanswered": loaded[0].kept if loaded else 0,
            "years": label,
            "pages": n_pages,
            "row_count": n_values,
            "kpis": ", ".join(kpis) if len(kpis) <= 40 else f"{len(kpis)} KPI:er",
            **({f"rows: {k}": int(per_kpi.get(k, 0)) for k in kpis} if len(kpis) <= 40 else {}),
            "municipalities": (", ".join(sorted(municipalities)) if len(municipalities) <= 40
                               else f"{len(municipalities)} enheter (omfattning riket)"),
            "preview": preview(frame),
            "urls": dg.MetadataValue.md("\n".join(f"- {u}" for u in urls[:50])
                                        + (f"\n- … och {len(urls) - 50} till" if len(urls) > 50 else "")),
        },
    )


@dg.asset(
    key=["stg", "kolada_observations"],
    deps=[kolada_values],
    partitions_def=yearly_partition,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"duckdb"},
    **COMMON,
)
def kolada_observations(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Kolada-värden som observationer (serie, kommun, period, kön) med årgångar.

    Läser varje års senast landade hämtning (raw.kolada_values). Ett ändrat värde blir en ny
    årgång (vintage) och det gamla finns kvar; ett borttaget värde får en gravsten. Att köra
    om samma år utan nya data ändrar ingenting.
    """
    keys = list(context.partition_keys)
    with warehouse(duckdb) as conn:
        if context.run.tags.get(NIGHTLY_TAG) == "1":
            # The night fetched only the years with something new; the others are unchanged.
            keys = wh_kolada.fetched_in_run(conn, keys, context.run.run_id) or keys
        result = wh_kolada.load_partitions(conn, keys)
        total = sum(wh_kolada.current_counts(conn, keys).values())
        # The current values of these years from this table alone (the current_observations
        # view numbers every source's vintages first).
        rows = conn.execute(
            "SELECT series, breakdown, region, period, value, status, vintage, first_seen "
            "FROM stg.kolada_observations WHERE list_contains(?, period) "
            "QUALIFY row_number() OVER (PARTITION BY series, breakdown, region, period ORDER BY vintage DESC) = 1 "
            "AND NOT is_deleted ORDER BY first_seen DESC, series, region, breakdown LIMIT 10",
            [keys],
        ).df()
    return dg.MaterializeResult(metadata=merge_metadata(result, total, rows))


@dg.asset(key=["raw", "kolada_kpi"], kinds={"duckdb", "api"}, **COMMON)
def kolada_kpi(duckdb: DuckDBResource, kolada: KoladaResource, catalog: CatalogResource) -> dg.MaterializeResult:
    """Kolada KPI-metadata (titel, beskrivning, publiceringsdatum) för katalogens KPI:er.

    Har nattens Kolada-hämtning (raw/kolada_values) redan läst metadata för alla KPI:er i
    dag används den; annars hämtas den. Misslyckas med ett tydligt fel om ett KPI-id i
    katalogen inte finns i Kolada (Kolada svarar med ett tomt resultat, inte ett fel, och
    id:n försvinner mellan versioner), eller om katalogen begär kön K/M för ett KPI som
    inte redovisas per kön.
    """
    cat = catalog.load()
    kpis = cat.kolada_kpis()
    with warehouse(duckdb) as conn:
        records = wh_kolada.stored_kpi_metadata(conn, kpis, since=clock.day_start(clock.today()))
    read_tonight = records is not None
    if not read_tonight:
        records, pages = kolada.client().kpi_metadata(kpis)
    wh_kolada.check_gender(cat.kolada_indicators(), records)
    with warehouse(duckdb) as conn:
        if not read_tonight:
            wh_kolada.store_kpi_metadata(conn, kpis, pages, where=cat.kolada_kpi_fields())
        preview = conn.execute(
            "SELECT kpi, title, publ_period, publication_date FROM raw.kolada_kpi ORDER BY kpi"
        ).df()
    return dg.MaterializeResult(
        metadata={"row_count": len(records), "source": "lagret (läst i dag av raw/kolada_values)" if read_tonight
                  else "Kolada /v3/kpi",
                  "preview": dg.MetadataValue.md(preview.to_markdown(index=False))}
    )
