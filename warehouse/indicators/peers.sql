-- Position among comparable municipalities, kept apart from status against önskat värde
-- (reference/landscape.md §4: Kolada colours by rank, the kommun's target is its own matter).
--
-- For each indicator's current value (kommun, period, breakdown):
--   group_mean / group_n / group_size: the unweighted mean of the other members of the Kolada
--     group in settings.yaml (Kolada's own group values are unweighted means too), how many
--     of them have the figure, and how many there are;
--   rank / ranked_of: the kommun's place among all kommuner in the warehouse with the figure
--     for the same period (1 = best by the indicator's direction; ties share the better
--     place, as in Kolada's ranking), and how many were ranked. With only the kommun and its
--     group loaded this is a rank within that set; national mode loads all 290 kommuner.
-- Kommuner are four-digit codes not starting with 00 (0000 is Riket, 00xx the regions).
-- available_before: as in stg.observations_asof (a meeting's papers, ind.papers_status);
-- period_end_max: as in ind.indicator_status_asof (the bokslut of a year).
CREATE OR REPLACE MACRO ind.peer_comparison_asof(known_before, available_before := NULL, period_end_max := NULL) AS TABLE
WITH cur AS (
    SELECT indicator_id, source, series, breakdown, region, period, aktuellt_varde, direction, decimals
    FROM ind.indicator_status_asof(known_before, available_before := available_before, period_end_max := period_end_max)
    WHERE aktuellt_varde IS NOT NULL
),
members AS (
    SELECT DISTINCT m.member_id FROM raw.kolada_municipality_group_members m
    JOIN cfg.settings c ON m.group_id = c.jamforelsegrupp
),
kommuner AS (
    SELECT cur.indicator_id, o.region, o.value,
           rank() OVER (PARTITION BY cur.indicator_id
                        ORDER BY CASE WHEN cur.direction = 'lower' THEN o.value ELSE -o.value END) AS place,
           count(*) OVER (PARTITION BY cur.indicator_id) AS ranked_of
    FROM cur
    -- Only the catalog's series are joined, so the scope drops nothing this join keeps.
    JOIN stg.observations_asof(known_before, scope := 'catalog', available_before := available_before) o
        ON o.source = cur.source AND o.series = cur.series AND o.breakdown = cur.breakdown
       AND o.period = cur.period
    WHERE o.value IS NOT NULL AND regexp_full_match(o.region, '[0-9]{4}') AND NOT starts_with(o.region, '00')
)
SELECT cur.indicator_id,
       g.group_mean, coalesce(g.group_n, 0) AS group_n,
       (SELECT count(*) FROM members WHERE member_id <> cur.region) AS group_size,
       -- At the shown precision (the catalog's decimals): 0,15 against a mean of
       -- 0,15000000000000002 is "som snittet", as the reader sees it.
       CASE WHEN g.group_mean IS NULL THEN NULL
            WHEN round(cur.aktuellt_varde, cur.decimals) = round(g.group_mean, cur.decimals) THEN 'som snittet'
            WHEN (cur.aktuellt_varde > g.group_mean) = (cur.direction = 'higher') THEN 'bättre än snittet'
            ELSE 'sämre än snittet' END AS group_position,
       -- A place among one (the kommun's own files, a series nobody else has) says nothing.
       CASE WHEN k.ranked_of > 1 THEN k.place END AS rank,
       CASE WHEN k.ranked_of > 1 THEN k.ranked_of END AS ranked_of
FROM cur
LEFT JOIN (SELECT indicator_id, avg(value) AS group_mean, count(*) AS group_n
           FROM kommuner JOIN cur USING (indicator_id)
           WHERE kommuner.region IN (SELECT member_id FROM members) AND kommuner.region <> cur.region
           GROUP BY indicator_id) g USING (indicator_id)
LEFT JOIN kommuner k ON k.indicator_id = cur.indicator_id AND k.region = cur.region;

CREATE OR REPLACE VIEW ind.peer_comparison AS
SELECT * FROM ind.peer_comparison_asof(TIMESTAMPTZ 'infinity');
