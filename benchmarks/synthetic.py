"""Synthetic but realistic inputs for benchmarks: grid polygons like surveyed ones, and case points.

The polygons tile an irregular district around Hefei (117.25E 31.85N): Voronoi cells of random seeds (denser
towards the centre, like urban grids) clipped to a wavy outline, densified and bent by a smooth displacement
field so each boundary wiggles over a few hundred vertices. Neighbours share their boundary vertices, so the
tiling has no gaps or overlaps beyond floating-point noise, as in a good survey.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray

__all__ = ["case_points", "district_outline", "realistic_polygons"]

CENTRE = (117.25, 31.85)
#: Radius of the district, degrees of latitude (about 22 km).
RADIUS_DEG = 0.2
_LON_STRETCH = 1.0 / math.cos(math.radians(CENTRE[1]))  # keeps the district round in kilometres


def district_outline(seed: int = 0, *, vertices: int = 720) -> shapely.Polygon:
    """An irregular, star-shaped district boundary around the centre."""
    rng = np.random.default_rng(seed)
    theta = np.linspace(0.0, 2.0 * np.pi, vertices, endpoint=False)
    k = np.arange(2, 9)
    amp = rng.uniform(0.02, 0.09, len(k)) / np.sqrt(k - 1)
    phase = rng.uniform(0.0, 2.0 * np.pi, len(k))
    radius = RADIUS_DEG * (1.0 + np.sin(np.outer(theta, k) + phase) @ amp)
    x = CENTRE[0] + radius * np.cos(theta) * _LON_STRETCH
    y = CENTRE[1] + radius * np.sin(theta)
    return shapely.Polygon(np.column_stack([x, y]))


def realistic_polygons(n: int, seed: int = 0, vertices_per_edge: int = 50) -> NDArray[np.object_]:
    """About ``n`` grid polygons (a few may be MultiPolygons where the outline cuts a cell twice).

    Each Voronoi edge is split into about ``vertices_per_edge`` pieces, so a six-sided cell has a few hundred
    vertices. The result is valid and in seed order; every cell keeps some area.
    """
    rng = np.random.default_rng(seed)
    outline = district_outline(seed)
    seeds = _seeds_inside(outline, n, rng)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline.buffer(0.05), ordered=True)
    )
    cells = shapely.intersection(cells, outline)
    cells = cells[~shapely.is_empty(cells) & (shapely.area(cells) > 0)]

    spacing = math.sqrt(outline.area / n)  # typical cell diameter
    step = spacing * 0.6 / vertices_per_edge  # a Voronoi edge is about 0.6 cell diameters long
    cells = shapely.segmentize(cells, step)
    warp = _SmoothWarp(rng, longest=spacing * 1.5, shortest=step * 4.0, lipschitz=0.6)
    cells = shapely.transform(cells, warp)
    cells = shapely.transform(cells, lambda xy: _jitter(xy, 0.3 * step))
    invalid = ~shapely.is_valid(cells)
    if invalid.any():  # the warp is injective, so only chord-level kinks can appear; rare
        cells[invalid] = shapely.make_valid(cells[invalid], method="structure", keep_collapsed=False)
    return shapely.orient_polygons(cells)


def case_points(
    n: int, polygons: NDArray[np.object_], seed: int = 0, *, outside_share: float = 0.05
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``n`` case locations: hot spots around some grid centres, a uniform spread, and a share far outside."""
    rng = np.random.default_rng(seed + 1)
    minx, miny, maxx, maxy = shapely.total_bounds(polygons)
    n_out = int(n * outside_share)
    n_hot = (n - n_out) * 3 // 10
    n_flat = n - n_out - n_hot
    centres = shapely.get_coordinates(shapely.centroid(polygons[rng.choice(len(polygons), 200)]))
    hot = centres[rng.integers(0, len(centres), n_hot)] + rng.normal(0.0, 0.004, (n_hot, 2))
    flat = rng.uniform((minx, miny), (maxx, maxy), (n_flat, 2))
    width, height = maxx - minx, maxy - miny
    far = rng.uniform((minx - width, miny - height), (maxx + width, maxy + height), (n_out, 2))
    pts = np.concatenate([hot, flat, far])[rng.permutation(n)]
    return pts[:, 0].copy(), pts[:, 1].copy()


def _seeds_inside(outline: shapely.Polygon, n: int, rng: np.random.Generator) -> NDArray[np.float64]:
    minx, miny, maxx, maxy = outline.bounds
    shapely.prepare(outline)
    found = np.empty((0, 2))
    while len(found) < n:
        # Denser towards the centre: half uniform, half normal around it.
        flat = rng.uniform((minx, miny), (maxx, maxy), (n, 2))
        dense = np.asarray(CENTRE) + rng.normal(0.0, RADIUS_DEG / 2.5, (n, 2)) * (_LON_STRETCH, 1.0)
        cand = np.concatenate([flat, dense])[rng.permutation(2 * n)]
        found = np.concatenate([found, cand[shapely.contains_xy(outline, cand[:, 0], cand[:, 1])]])
    return found[:n]


def _jitter(xy: NDArray[np.float64], amplitude: float) -> NDArray[np.float64]:
    """Move each vertex by up to ``amplitude`` in a direction hashed from its own coordinates.

    Survey-like small zig-zags. The hash is a function of the coordinates, so the vertices two neighbours
    share move together and the tiling stays closed.
    """
    h1 = np.sin(xy[:, 0] * 12989.8 + xy[:, 1] * 78233.0) * 43758.5453
    h2 = np.sin(xy[:, 0] * 39346.1 + xy[:, 1] * 11135.7) * 24634.6345
    angle = 2.0 * np.pi * (h1 - np.floor(h1))
    radius = amplitude * (h2 - np.floor(h2))
    return xy + np.column_stack([np.cos(angle), np.sin(angle)]) * radius[:, None]


class _SmoothWarp:
    """A smooth displacement field: sine waves in random directions over several octaves.

    Its Lipschitz constant is held below ``lipschitz`` < 1, so x + d(x) is injective and the warped tiling
    stays a tiling.
    """

    def __init__(self, rng: np.random.Generator, *, longest: float, shortest: float, lipschitz: float) -> None:
        octaves = max(1, math.ceil(math.log2(longest / shortest)))
        waves_per_octave = 3
        wavelength = np.repeat(longest / 2.0 ** np.arange(octaves), waves_per_octave)
        angle = rng.uniform(0.0, 2.0 * np.pi, len(wavelength))
        wavenumber = 2.0 * np.pi / wavelength
        self.k = np.column_stack([np.cos(angle), np.sin(angle)]) * wavenumber[:, None]
        self.phase = rng.uniform(0.0, 2.0 * np.pi, len(wavelength))
        # Amplitude proportional to wavelength: each octave bends as steeply as the next.
        amp = wavelength**1.0
        amp *= lipschitz / float(np.sum(amp * wavenumber))
        self.amp = amp
        self.direction = rng.normal(size=(len(wavelength), 2))
        self.direction /= np.linalg.norm(self.direction, axis=1, keepdims=True)

    def __call__(self, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        arg = xy @ self.k.T  # (points, waves)
        shift = (np.sin(arg + self.phase) * self.amp) @ self.direction
        return xy + shift
