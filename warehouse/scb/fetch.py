"""SCB: the calls one run makes for one or more years, and making them.

A backfill of many years is one run (the assets' BackfillPolicy.single_run) and asks each
table for all its years in one selection, split only where SCB's cell limit requires: a
national backfill of folkmängd 2010–2024 is 312 units × 15 years = 4,680 cells, one call,
where a run per year made 15. Each year is still remembered on its own (raw.scb_fetches
has a row per partition, pointing at the shared responses), so a later nightly run of one
year compares its own plan and `updated` and skips the table when nothing changed.
"""

from __future__ import annotations

from typing import Callable

from indicator_catalog.catalog import Catalog
from sources.jsonstat import Dataset
from sources.scb import ScbClient, TableInfo, build_selection, plan_sha256, scb_region, time_codes, year_overlaps
from warehouse.scb.load import TableFetch

# (partition_key, series, table) -> (plan_sha256, table_updated) of the latest fetch
Known = dict[tuple[str, str, str], tuple]


def fetch_tables(client: ScbClient, cat: Catalog, keys: list[str], known: Known,
                 log: Callable[[str], None] = lambda _: None) -> list[TableFetch]:
    """Check every table of the catalog's SCB series for the years `keys`, and fetch the
    years whose stored data is not what a new fetch would return (another plan, or the
    table's `updated` has moved). One TableFetch per (year, series, table) checked."""
    fetches: list[TableFetch] = []
    # Series may share a table: its entry and metadata are asked for once per run.
    infos: dict[str, TableInfo] = {}
    metas: dict[str, Dataset] = {}

    def metadata(table_id: str) -> Dataset:
        if table_id not in metas:
            metas[table_id] = client.table_metadata(table_id)[0]
        return metas[table_id]

    for series, query in cat.scb_series().items():
        wanted = [scb_region(u) for u in cat.scb_regions(series)]
        for spec in query.tables:
            years = [k for k in keys if year_overlaps(int(k), spec.from_period, spec.to_period)]
            if not years:
                continue  # this table does not supply the series in these years: no request
            if spec.table not in infos:
                infos[spec.table] = client.table(spec.table)
            info = infos[spec.table]

            def selection(periods: list[str], regions: list[str] = wanted) -> dict[str, list[str]]:
                return build_selection(spec.region_variable, regions, spec.contents_variable, spec.contents,
                                       spec.selection, spec.time_variable, periods)

            due: dict[str, tuple[list[str], str]] = {}
            for key in years:
                periods = time_codes(int(key), info.first_period, info.last_period, spec.from_period, spec.to_period)
                if not periods:
                    log(f"SCB {spec.table}: inga perioder {key} (tabellen har {info.first_period}–{info.last_period})")
                    fetches.append(TableFetch(series, info, "", wanted, [], [], key))  # the check is logged
                    continue
                # The plan is what the catalog wants (not what the table turned out to have), so
                # an unchanged night needs no metadata call.
                plan = plan_sha256(spec.table, selection(periods), spec.codelists)
                if known.get((key, series, spec.table)) == (plan, info.updated_at):
                    log(f"SCB {spec.table} {key} oförändrad sedan {info.updated}: hämtar inga data")
                    fetches.append(TableFetch(series, info, plan, wanted, periods, [], key))
                else:
                    due[key] = (periods, plan)
            if not due:
                continue
            regions = wanted
            if cat.settings.omfattning == "riket":
                regions = _regions_in_table(metadata(spec.table), spec, wanted, log)
            periods = [p for ps, _ in due.values() for p in ps]
            pages = client.data(spec.table, selection(periods, regions), spec.codelists or None)
            log(f"SCB {spec.table} ({info.updated}): {len(pages)} anrop, {len(regions)} enhet(er), "
                f"perioder {periods[0]}–{periods[-1]}")
            fetches += [TableFetch(series, info, plan, regions, ps, pages, key) for key, (ps, plan) in due.items()]
    return fetches


def _regions_in_table(meta: Dataset, spec, regions: list[str], log) -> list[str]:
    """National mode: the units the table has (asking for a code it lacks is a 400). Not
    every table has every level (some have no län, some no Riket); one metadata call."""
    have = set(meta.codes.get(spec.region_variable, []))
    if not have:
        raise ValueError(f"SCB {spec.table}: variabeln {spec.region_variable} finns inte i tabellen "
                         f"(den har {', '.join(meta.dimensions)}); rätta region_variable i katalogen")
    kept = [r for r in regions if r in have]
    if len(kept) < len(regions):
        missing = [r for r in regions if r not in have]
        log(f"SCB {spec.table}: tabellen saknar {len(missing)} av {len(regions)} enheter "
            f"({', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}); de hämtas inte")
    return kept
