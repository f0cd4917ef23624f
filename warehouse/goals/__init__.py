"""KF's own goals: their mått's status per year (the bokslut), survey participation and
series breaks (goals.sql), and the judgement of måluppfyllelse per målprecisering,
strategiskt mål and målområde (judgement.sql); the rows the bokslut report and the CLI show
(bokslut.py).

May import: sources, indicator_catalog, warehouse.core, warehouse.indicators.
"""
