"""Coordinate systems residents' map apps use, converted without drift."""

import itertools

import pytest

from api.geo import from_wgs84, haversine_m, to_wgs84

# A grid over Shanghai, from Jinshan in the south-west to Chongming in the north-east.
SHANGHAI_GRID = list(itertools.product([30.70, 30.95, 31.20, 31.45, 31.75], [120.90, 121.20, 121.50, 121.85]))


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_round_trip_stays_within_a_centimetre_across_shanghai(system: str) -> None:
    for lat, lng in SHANGHAI_GRID:
        shifted = from_wgs84(lat, lng, system)
        assert haversine_m(lat, lng, *to_wgs84(*shifted, system)) < 0.01


def test_gcj02_shifts_shanghai_by_the_known_few_hundred_metres() -> None:
    # People's Square: map apps show it about 0.002° south and 0.0045° east of its GPS position.
    lat, lng = 31.2304, 121.4737
    gcj_lat, gcj_lng = from_wgs84(lat, lng, "gcj02")
    assert -0.0025 < gcj_lat - lat < -0.0015
    assert 0.0040 < gcj_lng - lng < 0.0050
    assert 400 < haversine_m(lat, lng, gcj_lat, gcj_lng) < 600


def test_bd09_adds_baidus_further_offset() -> None:
    gcj = from_wgs84(31.2304, 121.4737, "gcj02")
    bd = from_wgs84(31.2304, 121.4737, "bd09")
    assert 500 < haversine_m(*gcj, *bd) < 1000


def test_wgs84_is_left_alone() -> None:
    assert to_wgs84(31.2, 121.5, "wgs84") == (31.2, 121.5)


def test_haversine_matches_a_known_distance() -> None:
    # People's Square to Lujiazui (Oriental Pearl Tower) is about 2.6 km.
    assert 2400 < haversine_m(31.2304, 121.4737, 31.2397, 121.4998) < 2800


def test_published_reference_points() -> None:
    # The worked example of the widely used coordtransform library (Tiananmen, Beijing), lng/lat order there.
    from api.geo import bd09_to_gcj02, gcj02_to_bd09, gcj02_to_wgs84, wgs84_to_gcj02

    assert wgs84_to_gcj02(39.915, 116.404) == pytest.approx((39.91640428150164, 116.41024449916938), abs=1e-9)
    assert gcj02_to_bd09(39.915, 116.404) == pytest.approx((39.92133699351021, 116.41036949371029), abs=1e-9)
    assert bd09_to_gcj02(39.915, 116.404) == pytest.approx((39.90865673957631, 116.39762729119315), abs=1e-9)
    # Their GCJ-02 → WGS-84 is a one-step approximation; ours iterates to the exact inverse, within a metre of it.
    assert haversine_m(*gcj02_to_wgs84(39.915, 116.404), 39.91359571849836, 116.39775550083061) < 1.0
