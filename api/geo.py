"""Coordinates: WGS-84 (GPS) is stored; GCJ-02 (AMap, Tencent) and BD-09 (Baidu) are converted at the edges.

GCJ-02 is the published obfuscation of the national survey standard; its inverse has no closed form, so
gcj02_to_wgs84 iterates the forward transform until it agrees to well under a centimetre.
"""

import math
from typing import Any, Literal

CoordSystem = Literal["wgs84", "gcj02", "bd09"]
METRES_PER_DEGREE = 111_320.0  # of latitude; of longitude, times cos(latitude)

_AXIS = 6378245.0  # Krasovsky 1940 semi-major axis, as GCJ-02 uses
_ECCENTRICITY_SQ = 0.00669342162296594323
_BD_FACTOR = math.pi * 3000.0 / 180.0
EARTH_RADIUS_M = 6371008.8


def _outside_china(lat: float, lng: float) -> bool:
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _delta(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lng += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _ECCENTRICITY_SQ * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_AXIS * (1 - _ECCENTRICITY_SQ)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_AXIS / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    if _outside_china(lat, lng):
        return lat, lng
    d_lat, d_lng = _delta(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    if _outside_china(lat, lng):
        return lat, lng
    wgs_lat, wgs_lng = lat, lng
    for _ in range(30):
        got_lat, got_lng = wgs84_to_gcj02(wgs_lat, wgs_lng)
        err_lat, err_lng = got_lat - lat, got_lng - lng
        if abs(err_lat) < 1e-10 and abs(err_lng) < 1e-10:
            break
        wgs_lat, wgs_lng = wgs_lat - err_lat, wgs_lng - err_lng
    return wgs_lat, wgs_lng


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _BD_FACTOR)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _BD_FACTOR)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _BD_FACTOR)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_FACTOR)
    return z * math.sin(theta), z * math.cos(theta)


def bd09_to_wgs84_exact(lat: float, lng: float) -> tuple[float, float]:
    """BD-09 → WGS-84 by iterating the forward chain, so the round trip closes to the millimetre."""
    wgs_lat, wgs_lng = gcj02_to_wgs84(*bd09_to_gcj02(lat, lng))
    for _ in range(10):
        got_lat, got_lng = from_wgs84(wgs_lat, wgs_lng, "bd09")
        err_lat, err_lng = got_lat - lat, got_lng - lng
        if abs(err_lat) < 1e-10 and abs(err_lng) < 1e-10:
            break
        wgs_lat, wgs_lng = wgs_lat - err_lat, wgs_lng - err_lng
    return wgs_lat, wgs_lng


def to_wgs84(lat: float, lng: float, system: CoordSystem) -> tuple[float, float]:
    if system == "gcj02":
        return gcj02_to_wgs84(lat, lng)
    if system == "bd09":
        return bd09_to_wgs84_exact(lat, lng)
    return lat, lng


def from_wgs84(lat: float, lng: float, system: CoordSystem) -> tuple[float, float]:
    if system == "gcj02":
        return wgs84_to_gcj02(lat, lng)
    if system == "bd09":
        return gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))
    return lat, lng


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) of the box around a circle: the cheap index range a radius search starts from."""
    d_lat = radius_m / METRES_PER_DEGREE
    d_lng = radius_m / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return lat - d_lat, lat + d_lat, lng - d_lng, lng + d_lng


def shown_point(lat: float, lng: float, coord: CoordSystem) -> dict[str, float]:
    """A stored WGS-84 point as an answer gives it: in the asked system, to six decimals (~0.1 m)."""
    lat, lng = from_wgs84(lat, lng, coord)
    return {"lat": round(lat, 6), "lng": round(lng, 6)}


def flat_distance_sq(lat: Any, lng: Any, lng_scale: Any, of: tuple[Any, Any]) -> Any:
    """Squared metres from (`lat`, `lng`) to the location columns `of`, by the flat-earth approximation: good to a
    fraction of a percent within 50 km.

    `lng_scale` is metres per degree of longitude at `lat`; values or bind parameters. Every reader of a place's
    distance (the general search, the map's prepared read, the grid index's copy of the location) uses this one
    expression, so that distances and the cursors made of them agree to the bit."""
    row_lat, row_lng = of
    return ((row_lat - lat) * METRES_PER_DEGREE) * ((row_lat - lat) * METRES_PER_DEGREE) + (
        (row_lng - lng) * lng_scale
    ) * ((row_lng - lng) * lng_scale)


def within_radius(near: tuple[float, float], radius_m: float, of: tuple[Any, Any]) -> tuple[Any, list[Any]]:
    """The squared distance from `near` of the location columns `of`, and the conditions of lying within the
    radius: the box a location index starts from, then the circle."""
    lat, lng = near
    radius = float(radius_m)
    south, north, west, east = bounding_box(lat, lng, radius)
    distance_sq = flat_distance_sq(lat, lng, METRES_PER_DEGREE * math.cos(math.radians(lat)), of=of)
    row_lat, row_lng = of
    return distance_sq, [row_lat.between(south, north), row_lng.between(west, east), distance_sq <= radius * radius]
