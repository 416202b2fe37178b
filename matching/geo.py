"""ZIP code centroids and great-circle distances, from the data shipped with ``zipcodes``.

Nothing is fetched at run time. ``zipcodes.matching`` scans its whole table on
each call, so the centroids are read once into a dict on first use.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

EARTH_RADIUS_MILES = 3958.8


@lru_cache(maxsize=1)
def _centroids() -> dict[str, tuple[float, float]]:
    import zipcodes

    table = {}
    for row in zipcodes.list_all():
        try:
            table[row["zip_code"]] = (float(row["lat"]), float(row["long"]))
        except (TypeError, ValueError):
            continue
    return table


def zip_centroids(zips: list[str]) -> np.ndarray:
    """Latitude and longitude in degrees of each ZIP code.

    Parameters
    ----------
    zips : list of str, length z

    Returns
    -------
    ndarray, shape (z, 2)
        ``nan`` rows for an empty or unknown ZIP code.
    """
    table = _centroids()
    out = np.full((len(zips), 2), np.nan)
    for row, code in enumerate(zips):
        if code in table:
            out[row] = table[code]
    return out


def haversine_miles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle distance in miles between every point of ``a`` and every point of ``b``.

    Parameters
    ----------
    a : ndarray, shape (p, 2)
        Latitude, longitude in degrees.
    b : ndarray, shape (q, 2)

    Returns
    -------
    ndarray, shape (p, q)
        ``nan`` where either point is unknown.
    """
    lat1, lon1 = np.radians(a[:, :1]), np.radians(a[:, 1:])
    lat2, lon2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
