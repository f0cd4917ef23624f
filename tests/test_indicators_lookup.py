"""Finding a nämnd or målområde from part of its name (warehouse/indicators/lookup.py), on the
bundled catalog loaded into a fresh warehouse."""

import pytest

from warehouse.indicators.lookup import matching, require_match, resolve_one


def test_part_of_a_name_in_any_case_finds_it(conn):
    assert resolve_one(conn, "namnd", "SOCIAL") == "Socialnämnden"
    assert resolve_one(conn, "malomrade", "välf") == "Välfärd"
    assert "Välfärd" in matching(conn, "malomrade", "")


def test_several_candidates_or_none_is_an_error_naming_them(conn):
    several = matching(conn, "namnd", "nämnden")
    assert len(several) > 1
    with pytest.raises(LookupError, match=f"matchar {len(several)} nämnder .*{several[0]}.*; ange en"):
        resolve_one(conn, "namnd", "nämnden")
    with pytest.raises(LookupError, match="'socail' matchar 0 nämnder; ange en"):
        resolve_one(conn, "namnd", "socail")


def test_a_filter_that_matches_nothing_is_a_typo_listing_what_exists(conn):
    require_match(conn, "namnd", None)  # no filter: nothing to check
    require_match(conn, "namnd", "soc")
    with pytest.raises(LookupError, match=r"inget målområde matchar 'välfärden' \(finns: .*Attraktion"):
        require_match(conn, "malomrade", "välfärden")


def test_only_the_catalog_s_name_columns_can_be_searched(conn):
    with pytest.raises(ValueError, match="okänt fält 'indicator_id; DROP'"):
        matching(conn, "indicator_id; DROP", "x")
