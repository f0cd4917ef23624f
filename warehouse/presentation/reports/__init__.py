"""KF report documents: per meeting (and per nämnd) the indicator table in the governance
document's layout and one chart per due indicator, as HTML and XLSX (warehouse/presentation/reports/write.py)."""
