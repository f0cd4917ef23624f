-- The controllers' views (schema rapport): one consistent set in Swedish, values rounded to the
-- catalog's decimals as the documents show them (the raw values stay in ind.* and stg.*), unit
-- and direction on every row, names beside codes. README "Vyer för controllers" documents them;
-- `indikator export <vy>` writes any of them to CSV or XLSX.

CREATE OR REPLACE VIEW rapport.indikatorer AS
SELECT
    s.niva                                        AS "Nivå",
    s.namnd                                       AS "Nämnd",
    s.malomrade                                   AS "KF målområde",
    s.indicator_id                                AS "Indikator-id",
    s.name                                        AS "Indikator",
    s.indikator_kalla                             AS "Indikator/källa",
    CASE s.direction WHEN 'lower' THEN '≤' ELSE '≥' END AS "Riktning",
    round(s.onskat_varde, s.decimals)             AS "Önskat värde",
    s.target_year                                 AS "Målår",
    s.tolerance                                   AS "Tolerans",
    round(s.aktuellt_varde, s.decimals)           AS "Aktuellt värde",
    s.unit                                        AS "Enhet",
    s.period                                      AS "Period",
    s.period_end                                  AS "Datum",
    round(s.change, s.decimals)                   AS "Förändring",
    s.trend                                       AS "Trend",
    s.status                                      AS "Status",
    round(p.group_mean, s.decimals)               AS "Snitt jämförelsegrupp",
    CASE WHEN p.group_mean IS NOT NULL THEN p.group_n || ' av ' || p.group_size END AS "Jämförelsegruppen täcker",
    p.group_position                              AS "Jämförelse",
    CASE WHEN p.rank IS NOT NULL THEN p.rank || ' av ' || p.ranked_of END AS "Plats bland kommuner",
    s.region                                      AS "Kommun",
    e.namn                                        AS "Kommunnamn",
    CASE WHEN s.aktuellt_varde IS NULL THEN NULL
         WHEN s.source = 'scb' THEN 'SCB ' || s.source_table
         WHEN s.source = 'kolada' THEN 'Kolada ' || s.series
         ELSE s.source END                        AS "Källa",
    ind.stale_reason(ind.periods_behind(s.source, s.series, s.breakdown, s.period_end, length(s.period),
                                        TIMESTAMPTZ 'infinity'), s.period_end, ind.today()) AS "Äldre värde",
    k.kommentar                                   AS "Kommentar",
    k.forfattare                                  AS "Kommentar av",
    s.onskat_exempel                              AS "Önskat värde är exempel"
FROM ind.indicator_status s
LEFT JOIN ind.peer_comparison p USING (indicator_id)
LEFT JOIN ind.kommentarer k ON k.indicator_id = s.indicator_id AND k.period = s.period
LEFT JOIN cfg.enheter e ON e.kod = s.region
ORDER BY s.niva DESC, s.namnd, s.malomrade, s.indicator_id;

CREATE OR REPLACE VIEW rapport.kf_lista AS
SELECT
    d.due_meeting                                 AS "KF-möte",
    d.due_paper_deadline                          AS "Handlingar senast",
    d.at_next_meeting                             AS "Till nästa möte",
    d.overdue                                     AS "Försenad",
    d.namnd                                       AS "Nämnd",
    d.malomrade                                   AS "KF målområde",
    d.indicator_id                                AS "Indikator-id",
    d.name                                        AS "Indikator",
    d.period                                      AS "Period",
    round(d.aktuellt_varde, d.decimals)           AS "Värde",
    d.unit                                        AS "Enhet",
    d.status                                      AS "Status",
    d.reason                                      AS "Skäl",
    d.pending_since                               AS "Tillgänglig sedan",
    d.niva                                        AS "Nivå",
    d.bokslut_ar                                  AS "Bokslutsår"
FROM ind.kf_due_list d;

-- Every indicator's series for every unit the warehouse holds, with the comparison group named.
CREATE OR REPLACE VIEW rapport.serier AS
WITH grp AS (
    SELECT m.member_id, m.group_title FROM raw.kolada_municipality_group_members m
    JOIN cfg.settings c ON m.group_id = c.jamforelsegrupp
)
SELECT
    i.indicator_id                                AS "Indikator-id",
    i.name                                        AS "Indikator",
    i.niva                                        AS "Nivå",
    o.region                                      AS "Kommun",
    e.namn                                        AS "Kommunnamn",
    e.typ                                         AS "Enhetstyp",
    o.region = i.region                           AS "Egen kommun",
    g.member_id IS NOT NULL                       AS "I jämförelsegruppen",
    (SELECT any_value(group_title) FROM grp)      AS "Jämförelsegrupp",
    o.period                                      AS "Period",
    o.period_end                                  AS "Datum",
    round(o.value, i.decimals)                    AS "Värde",
    i.unit                                        AS "Enhet",
    CASE i.direction WHEN 'lower' THEN '≤' ELSE '≥' END AS "Riktning",
    round(i.onskat_varde, i.decimals)             AS "Önskat värde",
    o.source                                      AS "Källa",
    o.series                                      AS "Serie"
FROM cfg.indicators i
JOIN stg.current_observations o ON o.source = i.source AND o.series = i.series AND o.breakdown = i.breakdown
LEFT JOIN cfg.enheter e ON e.kod = o.region
LEFT JOIN grp g ON g.member_id = o.region
WHERE o.value IS NOT NULL
  -- the kommun's own files are the kommun's: other units only for the public sources
  AND (o.source IN ('kolada', 'scb', 'arbetsformedlingen') OR o.region = i.region)
ORDER BY i.indicator_id, o.region, o.period_end;

CREATE OR REPLACE VIEW rapport.jamforelsegrupp AS
SELECT m.group_id AS "Grupp", m.group_title AS "Gruppnamn", m.member_id AS "Kommun",
       coalesce(e.namn, m.member_title) AS "Kommunnamn"
FROM raw.kolada_municipality_group_members m
JOIN cfg.settings c ON m.group_id = c.jamforelsegrupp
LEFT JOIN cfg.enheter e ON e.kod = m.member_id
ORDER BY m.member_id;

CREATE OR REPLACE VIEW rapport.redovisat AS
SELECT r.body AS "Organ", r.meeting_date AS "Möte", i.namnd AS "Nämnd", r.indicator_id AS "Indikator-id", i.name AS "Indikator",
       r.period AS "Period", round(r.value, coalesce(r.decimals, i.decimals)) AS "Redovisat värde",
       r.unit AS "Enhet", CASE r.direction WHEN 'lower' THEN '≤' WHEN 'higher' THEN '≥' END AS "Riktning",
       r.onskat_varde AS "Önskat värde då", r.status AS "Status då",
       round(r.group_mean, coalesce(r.decimals, i.decimals)) AS "Snitt jämförelsegrupp då",
       r.group_position AS "Jämförelse då", r.reported_by AS "Markerat av", r.reported_at AS "Markerat"
FROM rep.report_log r LEFT JOIN cfg.indicators i USING (indicator_id)
ORDER BY r.meeting_date, r.body, i.namnd, r.indicator_id;

CREATE OR REPLACE VIEW rapport.kf_mal AS
SELECT niva AS "Nivå", malomrade AS "KF målområde", id AS "Id", text AS "Text", horisont AS "Horisont",
       bedomning AS "Bedömning", met AS "Uppfyllda delar", partly AS "Delvis uppfyllda delar",
       judged AS "Bedömda delar", parts AS "Delar"
FROM ind.kf_maluppfyllelse;

-- The nämnder's own due lists: per nämnd, what is due at which of its meetings.
CREATE OR REPLACE VIEW rapport.namnd_lista AS
SELECT
    d.namnd                                       AS "Nämnd",
    d.due_meeting                                 AS "Möte",
    d.due_paper_deadline                          AS "Handlingar senast",
    d.at_next_meeting                             AS "Till nästa möte",
    d.overdue                                     AS "Försenad",
    d.malomrade                                   AS "KF målområde",
    d.indicator_id                                AS "Indikator-id",
    d.name                                        AS "Indikator",
    d.period                                      AS "Period",
    round(d.aktuellt_varde, d.decimals)           AS "Värde",
    d.unit                                        AS "Enhet",
    d.status                                      AS "Status",
    d.reason                                      AS "Skäl",
    d.pending_since                               AS "Tillgänglig sedan"
FROM ind.namnd_due_list d
ORDER BY d.namnd, d.due_meeting NULLS LAST, d.indicator_id;

-- The uppdrag of every uppdragsplan with their follow-up as of today.
CREATE OR REPLACE VIEW rapport.uppdrag AS
SELECT namnd AS "Nämnd", uppdrag_id AS "Uppdrag-id", rubrik AS "Rubrik", malomrade AS "KF målområde",
       syfte AS "Syfte", forflyttning AS "Förflyttning", onskad_niva AS "Önskad nivå",
       CASE ursprung WHEN 'indikator' THEN 'utifrån indikator' ELSE 'initiativ' END AS "Ursprung",
       uppfoljning AS "Uppföljning", start_date AS "Start", slutrapport AS "Slutrapport",
       budgetpaverkan AS "Budgetpåverkan", n_indikatorer AS "Indikatorer", n_uppnatt AS "Uppnådda",
       n_battre AS "Bättre sedan start", n_samre AS "Sämre sedan start", n_planerade AS "Planerade rapporter",
       n_givna AS "Givna rapporter", n_sena AS "Sena rapporter", nasta_rapport AS "Nästa rapport",
       kandidat_avslut AS "Kandidat att avsluta", exempel AS "Exempel"
FROM ind.uppdrag_uppfoljning_asof(ind.today());

CREATE OR REPLACE VIEW rapport.uppdrag_indikatorer AS
SELECT namnd AS "Nämnd", uppdrag_id AS "Uppdrag-id", indicator_id AS "Indikator-id", name AS "Indikator",
       CASE WHEN fran_ursprung THEN 'ursprung' ELSE 'uppföljning' END AS "Roll",
       status AS "Status", round(aktuellt_varde, decimals) AS "Aktuellt värde", unit AS "Enhet",
       period AS "Period", round(start_value, decimals) AS "Värde vid start", start_period AS "Period vid start",
       change_since_start AS "Förändring sedan start", trend_since_start AS "Trend sedan start"
FROM ind.uppdrag_indikatorer_asof(ind.today());

CREATE OR REPLACE VIEW rapport.uppdrag_tidplan AS
SELECT namnd AS "Nämnd", uppdrag_id AS "Uppdrag-id", nr AS "Nr",
       CASE WHEN slutrapport THEN 'slutrapport' ELSE 'delrapport' END AS "Rapport", innehall AS "Innehåll",
       planerat_mote AS "Planerat möte", givet_mote AS "Givet vid möte", lage AS "Läge",
       reported_by AS "Registrerat av"
FROM ind.uppdrag_rapporter_asof(ind.today());

CREATE OR REPLACE VIEW rapport.flaggor AS
SELECT flagga AS "Flagga", namnd AS "Nämnd", uppdrag_id AS "Uppdrag-id", indicator_id AS "Indikator-id",
       text AS "Text"
FROM ind.uppdrag_flaggor_asof(ind.today());
