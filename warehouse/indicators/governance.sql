-- The förvaltning's comment per indicator and period (rep.comments, loaded from the inbox), the
-- newest version written before known_before; every version stays in rep.comments.
CREATE OR REPLACE MACRO ind.kommentarer_asof(known_before) AS TABLE
SELECT indicator_id, period, text AS kommentar, author AS forfattare, written_at AS skriven, version
FROM rep.comments WHERE written_at < known_before
QUALIFY row_number() OVER (PARTITION BY indicator_id, period ORDER BY version DESC) = 1;

CREATE OR REPLACE VIEW ind.kommentarer AS SELECT * FROM ind.kommentarer_asof(TIMESTAMPTZ 'infinity');

-- The governance document's table, one row per indicator: the controllers' stable view
-- (README "Stable views": names and columns are the API; new columns are added at the end).
-- After peers.sql, whose comparison it shows beside the status.
CREATE OR REPLACE VIEW ind.namnd_indikatorer AS
SELECT
    namnd                      AS "Nämnd",
    malomrade                  AS "KF målområde",
    indikator_kalla            AS "Indikator/källa",
    onskat_varde               AS "Önskat värde",
    aktuellt_varde             AS "Aktuellt värde",
    period_end                 AS "Datum",
    period                     AS "Period",
    CASE WHEN uppdrag THEN 'Ja' ELSE 'Nej' END        AS "Uppdrag",
    CASE WHEN budgetpaverkan THEN 'Ja' ELSE 'Nej' END AS "Budgetpåverkan",
    CASE WHEN indikator_kf THEN 'Ja' ELSE 'Nej' END   AS "Indikator KF",
    status                     AS "Status",
    change                     AS "Förändring",
    trend                      AS "Trend",
    unit                       AS "Enhet",
    indicator_id               AS "Indikator-id",
    CASE WHEN aktuellt_varde IS NULL THEN NULL
         WHEN source = 'scb' THEN 'SCB ' || source_table
         WHEN source = 'kolada' THEN 'Kolada ' || series
         ELSE source END       AS "Källa",
    nullif(value_status, '')   AS "Statussymbol",
    m_varde                    AS "Månadsvärde",
    m_period                   AS "Månadsvärdets period",
    m_beskrivning              AS "Månadsvärdet avser",
    -- Position among comparable municipalities: apart from Status, never mixed with it.
    p.group_mean               AS "Snitt jämförelsegrupp",
    CASE WHEN p.group_mean IS NULL THEN NULL
         ELSE p.group_position || ' (' || p.group_n || ' av ' || p.group_size || ' i gruppen)' END
                               AS "Jämförelse",
    CASE WHEN p.rank IS NULL THEN NULL ELSE p.rank || ' av ' || p.ranked_of END AS "Plats bland kommuner",
    target_year                AS "Målår",
    kommentar                  AS "Kommentar",
    forfattare                 AS "Kommentar av",
    -- The uppdrag that follow the indicator (cfg.uppdrag_indikatorer): its origin or its follow-up.
    u_ids                      AS "Följs av uppdrag"
FROM ind.indicator_status
LEFT JOIN (SELECT indicator_id, varde AS m_varde, period AS m_period, beskrivning AS m_beskrivning
           FROM ind.manadsvarden) USING (indicator_id)
LEFT JOIN ind.peer_comparison p USING (indicator_id)
LEFT JOIN (SELECT indicator_id, period, kommentar, forfattare FROM ind.kommentarer) USING (indicator_id, period)
LEFT JOIN (SELECT indicator_id, string_agg(uppdrag_id, ', ' ORDER BY uppdrag_id) AS u_ids
           FROM cfg.uppdrag_indikatorer GROUP BY indicator_id) USING (indicator_id)
-- The nämnder's tables: KF's own mått are in ind.kf_malpreciseringar (warehouse/goals/).
WHERE niva = 'nämnd'
ORDER BY namnd, malomrade, indicator_id;
