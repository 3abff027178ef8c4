"""The demo city's places: a 合肥市蜀山区-like district of five nested grid levels, its roads, hotspots,
compounds, staff names and facilities.

Geometry is built in a local kilometre frame around (117.25E, 31.85N) and converted to lon/lat at the end.
Sub-grids are Voronoi cells clipped to an irregular outline; every parent is the union of its children, and
every shared edge is densified and jittered once, so boundaries look surveyed and still nest exactly.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.cluster.vq import kmeans2
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

DISTRICT_CODE = "340104"
DISTRICT_NAME = "蜀山区"
LON0, LAT0 = 117.25, 31.85
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320 * math.cos(math.radians(LAT0))
REDRAW_DATE = "2026-06-01"
N_SUBGRIDS, N_GRIDS, N_COMMUNITIES = 1600, 400, 40


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Street → (rough position in the district, -1..1 per axis; community names of its pool).
STREETS: dict[str, tuple[tuple[float, float], str]] = {
    "三里庵街道": ((0.25, 0.05), "三里庵 安居苑 龙河路 潜山路 黄山路 稻香楼 梅山路 青阳路 金寨北路 环城南路 望湖"),
    "稻香村街道": ((0.0, 0.65), "稻香村 西苑 农科院 四里河 淠河路 史河路 科学大道 汲桥 百花井 三孝口 南岗"),
    "琥珀街道": ((0.75, 0.35), "琥珀山庄 琥珀五村 环城西路 西一环 红星路 桐城路 亳州路 琥珀潭 大西门 九狮 合作化"),
    "南七街道": ((0.65, -0.55), "南七 科大 电厂 新华 金寨路 望江西路 二里河 宁西 雨花塘 光明 合工大"),
    "西园街道": ((-0.65, 0.35), "西园新村 西园 井岗 蜀山路 仰桥 枫林 竹柯 湖光 清溪 鲍家花园 小庙"),
    "笔架山街道": ((-0.45, -0.5), "翠庭园 莲花 天鹅湖 怀宁路 东流路 习友路 潜山南路 政务新区 祁门路 休宁路 绩溪路"),
}
# Main roads: name, control points (-1..1 of the district's half-extents).
MAIN_ROADS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    ("长江西路", ((-1.1, 0.42), (-0.3, 0.36), (0.4, 0.33), (1.1, 0.28))),
    ("黄山路", ((-1.1, 0.08), (-0.2, 0.05), (0.5, 0.02), (1.1, 0.0))),
    ("望江西路", ((-0.9, -0.28), (0.0, -0.3), (0.6, -0.26), (1.1, -0.3))),
    ("习友路", ((-1.1, -0.62), (-0.5, -0.58), (0.2, -0.62))),
    ("金寨路", ((0.58, 1.1), (0.55, 0.3), (0.57, -0.4), (0.52, -1.1))),
    ("潜山路", ((0.15, 1.1), (0.12, 0.2), (0.1, -0.5), (0.05, -1.1))),
    ("怀宁路", ((-0.32, 0.1), (-0.36, -0.4), (-0.33, -1.1))),
    ("肥西路", ((0.82, 1.1), (0.8, 0.5), (0.83, 0.05))),
    ("科学大道", ((-1.0, 0.8), (-0.6, 0.55), (-0.15, 0.32))),
    ("井岗路", ((-0.7, 1.0), (-0.72, 0.3), (-0.7, -0.2))),
    ("南一环路", ((0.3, -0.05), (0.7, -0.12), (1.1, -0.1))),
)
LOCAL_ROADS = _words(
    "梅山路 青阳路 淠河路 史河路 翡翠路 石台路 东流路 祁门路 休宁路 潜山南路 湖光路 蜀山路 玉兰大道 枫林路 "
    "仰桥路 合作化路 西一环路 环城西路 二里河路 农科南路 稻香路 汲桥路 亳州路 桐城路 宁西路 黄山西路 天鹅湖路 "
    "佛子岭路 南二环路 绩溪路 黟县路 红星路 龙河路 清溪路 竹柯路 琥珀路"
)
COMPOUND_REAL = _words(
    "华府骏苑 香榭水都 琥珀山庄 琥珀五村 西园新村 安居苑 稻香楼小区 南七里站小区 科大花园 绿地蓝海 天鹅湖花园 "
    "元一名城 融科城 金域蓝湾 和平花苑 怡景花园 南国花园 新华学府春天 龙河新村 西苑新村 光明小区 农科院宿舍 "
    "电厂宿舍 省体育局宿舍 梅山路小区 青阳路小区 井岗新村 枫林湾 竹柯苑 湖光花园"
)
COMPOUND_PREFIX = _words(
    "翠竹 梅园 金鹏 绿怡 香樟 紫云 南山 清溪 荷塘 长江 黄山 潜山 怀宁 西园 稻香 望湖 天鹅 新华 华府 锦绣 "
    "丽景 春晓 桂花 芙蓉 银杏 书香 恒大 万科 保利 中铁 蓝鼎 城市 阳光 幸福 和园 颐和 嘉和 龙湖 御景 松林 "
    "安居 康乐 和平 光明 红星 东方 金色 绿洲 青年 文苑 南湖 西湖 东湖 碧水 翡翠 琥珀 玉兰 紫薇 丁香 海棠 "
    "百合 兰亭 听涛 观澜 临湖 湖畔 滨湖 金桥 新城 家和 泰和 怡和 鼎盛 福源 瑞祥 华联 振兴 建业 开元 宏达 "
    "鸿福 永安 长乐 馨园 雅居 水岸 香溪 梧桐 樱花 金湾 铂悦 云谷 天润 汇景 君临 凯旋 星河 尚城 蓝湾 半岛"
)
COMPOUND_SUFFIX = _words("花园 小区 新村 家园 雅苑 公寓 名邸 华庭 佳苑 宿舍 嘉园 丽舍 苑 府 城")
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟"
    "姜崔谭陆范汪廖石金贾夏付方邹熊白孟秦邱侯江尹薛段雷黎史陶贺毛郝顾龚邵万武钱戴严孔"
)
GIVEN = _words(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 秀英 华 建国 建华 玉兰 桂英 志强 海燕 红梅 文静 晓东 "
    "春梅 立新 国庆 德明 子涵 浩然 雨萱 欣怡 俊杰 玉珍 凤英 永红 建军 晓燕 海涛 丽娟 文博 思远 婷婷 国强 卫东 红霞 "
    "丹丹 志刚 淑芬 宏伟 雪梅 晨曦 一鸣 家豪 明辉 慧敏 秀兰 长生 金凤 小红 立军 雅琴"
)
MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 155 156 157 158 159 177 180 181 185 186 187 188 189 199"
)


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Staff-like full names (王建国, 李芳 …)."""
    s = np.asarray(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
    g = np.asarray(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), n)]
    return s + g


def phone_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    prefixes = np.asarray(MOBILE_PREFIXES, dtype=object)[rng.integers(0, len(MOBILE_PREFIXES), n)]
    return prefixes + np.char.zfill(rng.integers(0, 100_000_000, n).astype(str), 8).astype(object)


def to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return LON0 + np.asarray(x) / KM_PER_DEG_LON, LAT0 + np.asarray(y) / KM_PER_DEG_LAT


def _km_to_deg(coords: np.ndarray) -> np.ndarray:
    lon, lat = to_lonlat(coords[:, 0], coords[:, 1])
    return np.round(np.c_[lon, lat], 8)


@dataclass
class City:
    grids: pd.DataFrame  # one row per grid version, geometry in lon/lat (EPSG:4490)
    outline: shapely.Polygon  # km frame
    sub_xy: np.ndarray  # (n, 2) centroids of current sub-grids, km
    sub_pop: np.ndarray
    sub_street: np.ndarray  # index into street_names
    sub_community: np.ndarray  # index into community rows
    sub_compound: np.ndarray  # compound name per sub-grid
    sub_road: np.ndarray  # nearest road name per sub-grid
    sub_worker: np.ndarray  # grid worker responsible (the grid's)
    tri: np.ndarray  # (m, 3, 2) triangles of current sub-grids, km
    tri_sub: np.ndarray  # sub-grid index of each triangle
    tri_area: np.ndarray
    street_names: list[str]
    street_codes: list[str]
    community_names: list[str]
    community_codes: list[str]
    community_street: np.ndarray
    community_xy: np.ndarray  # representative point, km
    roads: list[tuple[str, shapely.LineString]]
    hotspots: pd.DataFrame  # kind, name, x, y, sigma_km, weight, road


# ------------------------------------------------------------------ geometry
def _outline(rng: np.random.Generator) -> shapely.Polygon:
    th = np.linspace(0, 2 * np.pi, 361)[:-1]
    a, b = 7.6, 6.0
    r = a * b / np.sqrt((b * np.cos(th)) ** 2 + (a * np.sin(th)) ** 2)
    for k in range(2, 14):
        r = r * (1 + rng.normal(0, 0.11 / k**0.8) * np.cos(k * th + rng.uniform(0, 2 * np.pi)))
    return shapely.Polygon(np.c_[r * np.cos(th), r * np.sin(th)])


def _seeds(rng: np.random.Generator, outline: shapely.Polygon, n: int) -> np.ndarray:
    x0, y0, x1, y1 = outline.bounds
    pts = np.empty((0, 2))
    while len(pts) < n:
        cand = rng.uniform((x0, y0), (x1, y1), size=(4 * n, 2))
        dens = 0.25 + 0.75 * np.exp(-((cand[:, 0] / 5.0) ** 2 + (cand[:, 1] / 4.0) ** 2))
        keep = (rng.random(len(cand)) < dens) & shapely.contains_xy(outline, cand[:, 0], cand[:, 1])
        pts = np.vstack([pts, cand[keep]])
    pts = pts[:n]
    for _ in range(2):  # Lloyd relaxation: regular-looking cells that keep most of the density gradient
        cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=outline.buffer(2), ordered=True)
        clipped = shapely.intersection(shapely.get_parts(cells), outline)
        pts = 0.5 * pts + 0.5 * shapely.get_coordinates(shapely.centroid(clipped))
    return pts


def _faces(seeds: np.ndarray, outline: shapely.Polygon) -> np.ndarray:
    """Voronoi cells clipped to the outline as one noded coverage (shared edges identical)."""
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline.buffer(2)))
    lines = shapely.union_all(np.append(shapely.boundary(cells), outline.exterior))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    inside = shapely.contains(outline, shapely.point_on_surface(faces))
    faces = faces[inside]
    # a concave bit of the outline can cut a cell in two: merge the fragment into its larger neighbour
    owner = cKDTree(seeds).query(shapely.get_coordinates(shapely.point_on_surface(faces)))[1]
    area = shapely.area(faces)
    order = np.lexsort((-area, owner))
    main = np.ones(len(faces), bool)
    main[order[1:]] = owner[order[1:]] != owner[order[:-1]]
    for i in np.flatnonzero(~main):
        shared = shapely.length(shapely.intersection(faces[i].boundary, shapely.boundary(faces)))
        shared[~main] = 0
        if shared.max() <= 0:
            main[i] = True  # an island of fragments: keep it as a sub-grid of its own
            continue
        j = int(np.argmax(shared))
        faces[j] = shapely.coverage_union_all([faces[j], faces[i]])
    return faces[main]


def _survey(faces: np.ndarray, rng: np.random.Generator, *, jitter: bool) -> tuple[np.ndarray, np.ndarray]:
    """Densify every edge once (canonical direction) and bend it a little; return polygons and adjacency pairs."""
    cache: dict[tuple, np.ndarray] = {}
    owners: dict[tuple, list[int]] = {}
    out = []
    for fi, face in enumerate(faces):
        xy = shapely.get_coordinates(face.exterior)
        parts = [xy[:1]]
        for p, q in itertools.pairwise(xy):
            kp, kq = (p[0], p[1]), (q[0], q[1])
            forward = kp < kq
            key = (kp, kq) if forward else (kq, kp)
            pts = cache.get(key)
            if pts is None:
                a, b = np.array(key[0]), np.array(key[1])
                length = float(np.hypot(*(b - a)))
                n = max(1, math.ceil(length / 0.03))
                t = np.arange(1, n) / n
                pts = a + t[:, None] * (b - a)
                if jitter and n > 1:
                    normal = np.array([a[1] - b[1], b[0] - a[0]]) / length
                    env = np.minimum(1.0, 6 * t * (1 - t))
                    bend = rng.normal(0, 0.02) * np.sin(np.pi * t) + rng.normal(0, 0.01) * np.sin(2 * np.pi * t)
                    off = length * bend
                    off = off + rng.normal(0, 0.0025, len(t)) * env
                    pts = pts + off[:, None] * normal
                cache[key] = pts
            owners.setdefault(key, []).append(fi)
            parts.append(pts if forward else pts[::-1])
            parts.append(q[None])
        out.append(shapely.Polygon(np.concatenate(parts)))
    pairs = np.array([v for v in owners.values() if len(v) == 2], dtype=np.int64).reshape(-1, 2)
    return np.asarray(out, dtype=object), np.unique(np.sort(pairs, axis=1), axis=0)


def _contiguous(labels: np.ndarray, pairs: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Relabel units so that every label is one connected group (adjacency ``pairs``)."""
    labels = labels.copy()
    n = len(labels)
    for _ in range(20):
        same = labels[pairs[:, 0]] == labels[pairs[:, 1]]
        g = coo_matrix((np.ones(same.sum()), (pairs[same, 0], pairs[same, 1])), shape=(n, n))
        _, comp = connected_components(g, directed=False)
        size = np.bincount(comp, weights=weight)
        comp_label = np.zeros(comp.max() + 1, np.int64)
        comp_label[comp] = labels
        order = np.lexsort((-size, comp_label))
        main = np.zeros(len(size), bool)
        main[order[np.r_[True, comp_label[order[1:]] != comp_label[order[:-1]]]]] = True
        orphan = ~main[comp]
        if not orphan.any():
            return labels
        for a, b in (pairs, pairs[:, ::-1]):
            move = orphan[a] & ~orphan[b] & (labels[a] != labels[b])
            labels[a[move]] = labels[b[move]]
    return labels


def _kpp(xy: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding in O(n·k) (scipy's recomputes all distances at every step)."""
    centres = [int(rng.integers(len(xy)))]
    d2 = ((xy - xy[centres[0]]) ** 2).sum(1)
    for _ in range(k - 1):
        c = int(np.searchsorted(np.cumsum(d2), rng.random() * d2.sum()))
        centres.append(min(c, len(xy) - 1))
        d2 = np.minimum(d2, ((xy - xy[centres[-1]]) ** 2).sum(1))
    return xy[centres]


def _cluster(xy: np.ndarray, k: int, pairs: np.ndarray, weight: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    _, labels = kmeans2(xy, _kpp(xy, k, rng), iter=20, minit="matrix")
    labels = _contiguous(labels, pairs, weight)
    return np.unique(labels, return_inverse=True)[1]


def _group_pairs(pairs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    lp = labels[pairs]
    lp = lp[lp[:, 0] != lp[:, 1]]
    return np.unique(np.sort(lp, axis=1), axis=0)


def _reading_order(xy: np.ndarray) -> np.ndarray:
    """Rank of each point numbered west→east within rows, rows north→south."""
    if len(xy) == 1:
        return np.zeros(1, np.int64)
    span = np.ptp(xy[:, 1]) or 1.0
    row = np.floor((xy[:, 1].max() - xy[:, 1]) / (span / max(1, round(math.sqrt(len(xy)))) + 1e-9))
    order = np.lexsort((xy[:, 0], row))
    rank = np.empty(len(xy), np.int64)
    rank[order] = np.arange(len(xy))
    return rank


def _union(geoms: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    return np.array([shapely.coverage_union_all(geoms[labels == i]) for i in range(k)], dtype=object)


def _triangles(polys_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tris = shapely.constrained_delaunay_triangles(polys_km)
    parts, idx = shapely.get_parts(tris, return_index=True)
    coords = shapely.get_coordinates(shapely.get_exterior_ring(parts)).reshape(len(parts), 4, 2)[:, :3]
    u, v = coords[:, 1] - coords[:, 0], coords[:, 2] - coords[:, 0]
    area = 0.5 * np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])
    return coords, idx, area


# ------------------------------------------------------------------ the city
def build_city(rng: np.random.Generator) -> City:
    outline = _outline(rng)
    faces = _faces(_seeds(rng, outline, N_SUBGRIDS), outline)
    sub_km, pairs = _survey(faces, rng, jitter=True)
    if not (shapely.is_valid(sub_km).all() and shapely.coverage_is_valid(sub_km)):
        sub_km, pairs = _survey(faces, rng, jitter=False)  # never seen; keeps the guarantee
    sub_km = shapely.orient_polygons(sub_km)
    sub_deg = shapely.orient_polygons(shapely.transform(sub_km, _km_to_deg))
    n_sub = len(sub_km)
    xy = shapely.get_coordinates(shapely.centroid(sub_km))
    r = np.hypot(xy[:, 0] / 5.0, xy[:, 1] / 4.0)
    pop = np.clip(np.round(450 * np.exp(0.9 * np.exp(-(r**2)) + rng.normal(0, 0.45, n_sub))), 300, 3000).astype(int)
    area = shapely.area(sub_km)

    grid_of = _cluster(xy, N_GRIDS, pairs, area, rng)
    n_grid = grid_of.max() + 1
    grid_xy = (
        np.c_[np.bincount(grid_of, xy[:, 0] * area), np.bincount(grid_of, xy[:, 1] * area)]
        / np.bincount(grid_of, area)[:, None]
    )
    grid_pairs = _group_pairs(pairs, grid_of)
    comm_of_grid = _cluster(grid_xy, N_COMMUNITIES, grid_pairs, np.bincount(grid_of, area), rng)
    n_comm = comm_of_grid.max() + 1
    comm_of_sub = comm_of_grid[grid_of]
    comm_xy = np.c_[np.bincount(comm_of_sub, xy[:, 0] * area), np.bincount(comm_of_sub, xy[:, 1] * area)]
    comm_xy = comm_xy / np.bincount(comm_of_sub, area)[:, None]
    street_of_comm = _cluster(
        comm_xy, len(STREETS), _group_pairs(grid_pairs, comm_of_grid), np.bincount(comm_of_sub, area), rng
    )
    street_of_sub = street_of_comm[comm_of_sub]

    # name the streets by where they lie (笔架山 south-west, 琥珀 east …)
    from scipy.optimize import linear_sum_assignment

    st_xy = np.array([xy[street_of_sub == s].mean(0) for s in range(len(STREETS))]) / np.array([7.6, 6.0])
    ideal = np.array([p for p, _ in STREETS.values()])
    _, name_of = linear_sum_assignment(((st_xy[:, None, :] - ideal[None]) ** 2).sum(-1))
    street_names = [list(STREETS)[i] for i in name_of]

    # codes, numbered west→east, north→south at every level
    st_rank = _reading_order(st_xy)
    street_codes = [f"{DISTRICT_CODE}{st_rank[s] + 1:03d}" for s in range(len(STREETS))]
    comm_codes, comm_names = [""] * n_comm, [""] * n_comm
    used: set[str] = set()
    for s in range(len(STREETS)):
        members = np.flatnonzero(street_of_comm == s)
        rank = _reading_order(comm_xy[members])
        pool = [w for w in STREETS[street_names[s]][1].split()]
        for m, rk in zip(members, rank, strict=True):
            comm_codes[m] = f"{street_codes[s]}{rk + 1:03d}"
            name = pool[rk] if rk < len(pool) else LOCAL_ROADS[int(rng.integers(len(LOCAL_ROADS)))]
            while name in used:
                name = LOCAL_ROADS[int(rng.integers(len(LOCAL_ROADS)))]
            used.add(name)
            comm_names[m] = name + "社区"

    hh = np.round(pop / rng.normal(2.6, 0.12, n_sub)).astype(int)
    workers = person_names(rng, n_grid + n_sub + 200)
    rows: list[dict] = []

    def add(
        code: str,
        name: str,
        level: int,
        parent: str | None,
        geom: shapely.Geometry,
        members: np.ndarray,
        worker: str | None,
        branch: str,
        valid: tuple[str | None, str | None] = (None, None),
    ) -> None:
        rows.append(
            {
                "网格编码": code,
                "网格名称": name,
                "层级": level,
                "上级编码": parent,
                "人口": int(pop[members].sum()),
                "户数": int(hh[members].sum()),
                "网格员": worker,
                "党支部": branch,
                "生效日期": valid[0],
                "失效日期": valid[1],
                "geometry": geom,
            }
        )

    add(
        DISTRICT_CODE,
        DISTRICT_NAME,
        1,
        None,
        shapely.coverage_union_all(sub_deg),
        np.arange(n_sub),
        None,
        "中共合肥市蜀山区委员会",
    )
    street_geo = _union(sub_deg, street_of_sub, len(STREETS))
    for s in range(len(STREETS)):
        add(
            street_codes[s],
            street_names[s],
            2,
            DISTRICT_CODE,
            street_geo[s],
            np.flatnonzero(street_of_sub == s),
            None,
            f"中共{street_names[s]}工作委员会",
        )
    comm_geo = _union(sub_deg, comm_of_sub, n_comm)
    for c in range(n_comm):
        add(
            comm_codes[c],
            comm_names[c],
            3,
            street_codes[street_of_comm[c]],
            comm_geo[c],
            np.flatnonzero(comm_of_sub == c),
            None,
            f"{comm_names[c]}党委",
        )

    sub_worker = np.empty(n_sub, dtype=object)

    def add_grids(
        c: int, sub_idx: np.ndarray, labels: np.ndarray, worker_ids: np.ndarray, valid: tuple[str | None, str | None]
    ) -> None:
        k = labels.max() + 1
        rank = _reading_order(np.array([xy[sub_idx[labels == g]].mean(0) for g in range(k)]))
        for g in range(k):
            members = sub_idx[labels == g]
            gcode, gname = f"{comm_codes[c]}{rank[g] + 1:03d}", f"{comm_names[c]}第{rank[g] + 1}网格"
            worker = workers[worker_ids[g]]
            add(
                gcode,
                gname,
                4,
                comm_codes[c],
                shapely.coverage_union_all(sub_deg[members]),
                members,
                worker,
                f"{gname}党支部",
                valid,
            )
            for m, sr in zip(members, _reading_order(xy[members]), strict=True):
                add(
                    f"{gcode}{sr + 1:02d}",
                    f"{gname}{sr + 1}号微网格",
                    5,
                    gcode,
                    sub_deg[m],
                    np.array([m]),
                    workers[n_grid + m],
                    f"{gname}党小组",
                    valid,
                )
                if valid[1] is None:
                    sub_worker[m] = worker

    # the re-drawn community: the largest one of 笔架山街道 (new compounds) is split into one more grid
    cands = np.flatnonzero(street_of_comm == street_names.index("笔架山街道"))
    redraw = int(cands[np.argmax([np.sum(comm_of_grid == c) for c in cands])])
    for c in range(n_comm):
        sub_idx = np.flatnonzero(comm_of_sub == c)
        ids, local = np.unique(grid_of[sub_idx], return_inverse=True)
        if c != redraw:
            add_grids(c, sub_idx, local, ids, (None, None))
            continue
        add_grids(c, sub_idx, local, ids, (None, REDRAW_DATE))
        remap = np.full(n_sub, -1)
        remap[sub_idx] = np.arange(len(sub_idx))
        local_pairs = remap[pairs[np.isin(pairs, sub_idx).all(1)]]
        new = _cluster(xy[sub_idx], len(ids) + 1, local_pairs, area[sub_idx], rng)
        add_grids(c, sub_idx, new, np.r_[ids, n_grid + n_sub + np.arange(200)], (REDRAW_DATE, None))

    grids = pd.DataFrame(rows).sort_values(["层级", "网格编码", "生效日期"], na_position="first", kind="stable")
    grids = grids.reset_index(drop=True)
    grids["geometry"] = shapely.orient_polygons(grids["geometry"].to_numpy())  # CCW exteriors, CW holes

    roads = _roads(outline)
    sub_road = _nearest_road_names(xy, roads, rng)
    tri, tri_sub, tri_area = _triangles(faces)  # unjittered cells: close enough to sample points
    compounds = _compound_names(rng, n_sub)
    city = City(
        grids=grids,
        outline=outline,
        sub_xy=xy,
        sub_pop=pop,
        sub_street=street_of_sub,
        sub_community=comm_of_sub,
        sub_compound=compounds,
        sub_road=sub_road,
        sub_worker=sub_worker,
        tri=tri,
        tri_sub=tri_sub,
        tri_area=tri_area,
        street_names=street_names,
        street_codes=street_codes,
        community_names=comm_names,
        community_codes=comm_codes,
        community_street=street_of_comm,
        community_xy=shapely.get_coordinates(shapely.point_on_surface(_union(sub_km, comm_of_sub, n_comm))),
        roads=roads,
        hotspots=pd.DataFrame(),
    )
    city.hotspots = _hotspots(city, rng)
    return city


def _roads(outline: shapely.Polygon) -> list[tuple[str, shapely.LineString]]:
    out = []
    for name, pts in MAIN_ROADS:
        line = shapely.LineString(np.array(pts) * np.array([7.6, 6.0]))
        clipped = shapely.intersection(shapely.segmentize(line, 0.05), outline.buffer(-0.05))
        if not clipped.is_empty:
            parts = shapely.get_parts(clipped)
            out.append((name, parts[np.argmax(shapely.length(parts))]))
    return out


def _nearest_road_names(
    xy: np.ndarray, roads: list[tuple[str, shapely.LineString]], rng: np.random.Generator
) -> np.ndarray:
    pts = shapely.points(xy)
    dist = np.array([shapely.distance(pts, line) for _, line in roads])
    main = np.asarray([n for n, _ in roads], dtype=object)[dist.argmin(0)]
    anchors = rng.uniform((-7, -5.5), (7, 5.5), size=(len(LOCAL_ROADS), 2))
    local = np.asarray(LOCAL_ROADS, dtype=object)[cKDTree(anchors).query(xy)[1]]
    return np.where(dist.min(0) < 0.3, main, local)


def _compound_names(rng: np.random.Generator, n: int) -> np.ndarray:
    combos = [p + s for p in COMPOUND_PREFIX for s in COMPOUND_SUFFIX]
    combos = [c for c in combos if c not in COMPOUND_REAL]
    pool = [*COMPOUND_REAL, *(combos[i] for i in rng.permutation(len(combos)))]
    names = np.asarray(pool * (n // len(pool) + 1), dtype=object)[:n]
    return names[rng.permutation(n)]


def _hotspots(city: City, rng: np.random.Generator) -> pd.DataFrame:
    """~60 places where cases cluster: markets, schools, old compounds, commercial streets."""
    w = city.sub_pop.astype(float) * np.exp(-np.hypot(city.sub_xy[:, 0] / 6, city.sub_xy[:, 1] / 5))
    rows = []
    used: set[str] = set()

    def pick(n: int, power: float) -> np.ndarray:
        p = w**power
        return rng.choice(len(w), n, replace=False, p=p / p.sum())

    for i in pick(15, 1.0):
        base = city.community_names[city.sub_community[i]].removesuffix("社区")
        name = next(base + k for k in ("农贸市场", "菜市场", "生鲜市场", "综合市场") if base + k not in used)
        used.add(name)
        rows.append(("market", name, *city.sub_xy[i], 0.12))
    school_kinds = ["小学", "中学", "幼儿园", "实验学校"]
    for j, i in enumerate(pick(18, 0.7)):
        name = f"合肥市{city.sub_road[i].removesuffix('路').removesuffix('大道')}{school_kinds[j % 4]}"
        rows.append(("school", name, *city.sub_xy[i], 0.09))
    for i in pick(15, 1.2):
        rows.append(("old_compound", city.sub_compound[i], *city.sub_xy[i], 0.15))
    lengths = np.array([line.length for _, line in city.roads])
    for k in rng.choice(len(city.roads), 12, p=lengths / lengths.sum()):
        name, line = city.roads[k]
        pt = line.interpolate(rng.uniform(0.1, 0.9), normalized=True)
        rows.append(("commercial", f"{name}商业街", pt.x, pt.y, 0.2))
    df = pd.DataFrame(rows, columns=["kind", "name", "x", "y", "sigma_km"])
    df["name"] = np.where(
        df["name"].duplicated(), df["name"] + (df.groupby("name").cumcount() + 1).astype(str) + "号", df["name"]
    )
    df["weight"] = rng.lognormal(0, 0.5, len(df))
    sub = cKDTree(city.sub_xy).query(df[["x", "y"]].to_numpy())[1]
    df["road"] = city.sub_road[sub]
    df["street"] = np.asarray(city.street_names, dtype=object)[city.sub_street[sub]]
    return df


def facilities(city: City, rng: np.random.Generator) -> pd.DataFrame:
    """Service stations (one per community and street), police posts, schools, markets, hospitals (km xy)."""
    rows = []
    for s, name in enumerate(city.street_names):
        members = np.flatnonzero(city.community_street == s)
        cx, cy = city.community_xy[members].mean(0)
        rows.append(("service_station", f"{name}党群服务中心", cx, cy, 1000, s))
        police = f"合肥市公安局蜀山分局{name.removesuffix('街道')}派出所"
        rows.append(("police_post", police, cx + 0.3, cy - 0.2, 500, s))
        rows.append(("hospital", f"{name.removesuffix('街道')}社区卫生服务中心", cx - 0.35, cy + 0.25, 500, s))
    for c, name in enumerate(city.community_names):
        x, y = city.community_xy[c]
        rows.append(("service_station", f"{name}党群服务站", x, y, 1000, city.community_street[c]))
    for _, h in city.hotspots[city.hotspots["kind"].isin(["school", "market"])].iterrows():
        s = city.street_names.index(h["street"])
        rows.append((h["kind"], h["name"], h["x"], h["y"], 500, s))
    df = pd.DataFrame(rows, columns=["kind", "name", "x", "y", "radius", "street"])
    inside = shapely.contains_xy(city.outline, df["x"], df["y"])
    df.loc[~inside, ["x", "y"]] = df.loc[~inside, ["x", "y"]].to_numpy() * 0.9
    sub = cKDTree(city.sub_xy).query(df[["x", "y"]].to_numpy())[1]
    num = rng.integers(1, 400, len(df)) * 2 - 1
    df["address"] = (
        "合肥市蜀山区"
        + np.asarray(city.street_names, dtype=object)[df["street"].to_numpy()]
        + city.sub_road[sub]
        + num.astype(str)
        + "号"
    )
    return df


# ------------------------------------------------------------------ organisations
FUNCTIONAL = (  # code, name, short name, kind
    ("BM001", "蜀山区城市管理局", "城管局", "functional"),
    ("BM002", "合肥市公安局交通警察支队蜀山大队", "交警大队", "functional"),
    ("BM003", "蜀山区市场监督管理局", "市场监管局", "functional"),
    ("BM004", "蜀山区住房和城乡建设局", "住建局", "functional"),
    ("BM005", "合肥市蜀山区生态环境分局", "生态环境分局", "functional"),
    ("BM006", "蜀山区水务局", "水务局", "functional"),
    ("BM007", "蜀山区林业和园林局", "园林局", "functional"),
    ("BM008", "合肥市公安局蜀山分局", "公安分局", "functional"),
    ("BM009", "蜀山区卫生健康委员会", "卫健委", "functional"),
    ("BM010", "蜀山区民政局", "民政局", "functional"),
    ("BM011", "蜀山区应急管理局", "应急管理局", "functional"),
    ("BM012", "蜀山区交通运输局", "交通运输局", "functional"),
    ("BM013", "蜀山区数据资源管理局", "数据资源局", "functional"),
    ("BM014", "蜀山区人力资源和社会保障局", "人社局", "functional"),
    ("BM015", "蜀山区教育体育局", "教体局", "functional"),
    ("BM016", "蜀山区文化和旅游局", "文旅局", "functional"),
    ("BM017", "蜀山区社会治理综合指挥中心", "指挥中心", "functional"),
    ("BM018", "蜀山区12345政务服务便民热线工作站", "热线工作站", "functional"),
    ("QY001", "国网合肥供电公司蜀山供电中心", "供电公司", "enterprise"),
    ("QY002", "合肥燃气集团蜀山营业所", "燃气公司", "enterprise"),
    ("QY003", "合肥供水集团蜀山分公司", "供水公司", "enterprise"),
)
# 权责清单: category (class, major or *) → short name of the default department
ROUTING_DEFAULTS = {
    "*": "城管局",
    "01": "住建局",
    "02": "交通运输局",
    "03": "城管局",
    "04": "园林局",
    "05": "住建局",
    "06": "城管局",
    "07": "城管局",
    "08": "住建局",
    "09": "城管局",
    "10": "应急管理局",
    "09009": "交警大队",
    "09010": "交警大队",
    "02014": "交警大队",
    "02017": "交警大队",
    "09011": "交通运输局",
    "09012": "应急管理局",
    "06026": "生态环境分局",
    "06027": "生态环境分局",
    "06028": "生态环境分局",
    "06020": "生态环境分局",
    "06025": "水务局",
    "06030": "水务局",
    "01001": "供水公司",
    "01003": "水务局",
    "01004": "水务局",
    "01013": "应急管理局",
    "01037": "城管局",
    "01076": "市场监管局",
    "01046": "教体局",
    "01028": "供电公司",
    "10002": "供电公司",
    "01011": "燃气公司",
    "09015": "市场监管局",
    "09020": "市场监管局",
    "09003": "民政局",
    "06045": "园林局",
    "06017": "园林局",
    "04002": "园林局",
    "10001": "城管局",
}
# classes a street office handles itself in its own area (street-level overrides)
STREET_CLASSES = ("06010", "06042", "09005")
STREET_EXTRA = {"09006": ("笔架山街道", "南七街道")}


def departments(city: City) -> pd.DataFrame:
    rows = [(c, n, s, k, None, DISTRICT_CODE) for c, n, s, k in FUNCTIONAL]
    for name, code in zip(city.street_names, city.street_codes, strict=True):
        rows.append((f"JD{code}", f"{name}办事处", name, "street", None, code))
    for c, (name, code) in enumerate(zip(city.community_names, city.community_codes, strict=True)):
        rows.append(
            (
                f"SQ{code}",
                f"{name}居民委员会",
                name,
                "community",
                f"JD{city.street_codes[city.community_street[c]]}",
                code,
            )
        )
    rows.sort(key=lambda r: (["functional", "enterprise", "street", "community"].index(r[3]), r[0]))
    return pd.DataFrame(rows, columns=["部门编码", "部门名称", "简称", "类型", "上级部门编码", "辖区编码"])


def routing(city: City) -> pd.DataFrame:
    by_short = {s: c for c, _, s, _ in FUNCTIONAL}
    rows = [(cat, "*", by_short[short]) for cat, short in ROUTING_DEFAULTS.items()]
    for name, code in zip(city.street_names, city.street_codes, strict=True):
        classes = [*STREET_CLASSES, *(c for c, streets in STREET_EXTRA.items() if name in streets)]
        rows += [(cat, code, f"JD{code}") for cat in classes]
    return pd.DataFrame(rows, columns=["类别编码", "辖区编码", "部门编码"])


# ------------------------------------------------------------------ category dictionaries
# legacy 数字城管 code | name | GB/T class | weight | handling limit (h) | season | location | template
LEGACY = """
0101|私搭乱建|06001|3|360|-|compound|structure
0102|暴露垃圾|06010|10|6|summer|compound|garbage
0103|积存垃圾渣土|06011|3|24|summer|compound|accumulated
0104|道路不洁|06012|4|6|-|road|dirty_road
0105|水域不洁|06025|0.6|48|summer|background|water
0106|绿地脏乱|06017|2|24|summer|background|greening_dirty
0107|废弃家具设备|06035|2|48|-|compound|furniture
0108|垃圾满溢|06042|7|4|summer|market|overflow
0109|沿街晾挂|06007|3|24|summer|compound|hanging
0110|乱堆物料|06036|6|24|-|compound|piling
0111|焚烧垃圾树叶|06020|0.8|4|winter|background|burning
0112|油烟污染|06027|1.5|72|-|market|fume
0113|噪声扰民|06028|2|24|summer|market|noise
0114|露天烧烤|06029|1.5|12|summer|market|bbq
0115|道路破损|06013|4|72|-|road|road_damage
0116|动物尸体|06037|0.5|4|summer|road|animal
0117|非法占绿毁绿|06045|1.5|72|-|background|greening
0118|垃圾未分类|06041|2|24|-|compound|unsorted
0119|废弃车辆|06034|1.2|168|-|compound|abandoned
0120|空调外机低挂|06009|0.5|168|summer|road|ac_low
0121|私设地锁|06040|1|72|-|compound|ground_lock
0201|非法小广告|07001|8|24|-|compound|flyer
0202|违规户外广告|07003|1.5|168|-|road|ad
0203|街头散发广告|07002|1|4|-|market|leaflet
0204|违规牌匾标识|07006|1|168|-|road|sign
0205|违规标语宣传品|07007|1|48|-|road|banner
0301|施工扰民|08001|1.5|24|summer|background|construction_noise
0302|施工占道|08002|1.5|72|-|road|construction_road
0303|工地扬尘|08004|1.5|24|-|background|dust
0304|施工废弃料|08005|1|48|-|road|construction_waste
0305|无证掘路|08003|0.5|24|-|road|excavation
0306|渣土车未密闭|08011|0.6|24|-|road|muck
0307|施工围挡问题|08007|0.6|72|-|road|hoarding
0308|车轮夹带|08012|0.6|24|-|road|muck
0401|路面塌陷|06013|0.3|12|-|road|collapse
0402|道路积水|01004|0.6|12|summer|road|waterlogging
0403|井盖缺失|01003|1.2|12|-|road|manhole
0404|架空线缆脱落|10002|0.6|24|-|road|cable
0405|道路积雪结冰|10001|0.2|12|snow|road|snow
0406|树木倒伏|04002|0.5|12|summer|road|tree_fallen
0501|无照经营游商|09001|4|4|summer|market|vendor
0502|店外经营|09005|8|4|-|market|outside_store
0503|占道经营|09006|7|4|summer|market|vendor
0504|机动车乱停放|09009|6|4|-|school|parking
0505|非机动车乱停放|09010|4|4|-|road|nonmotor
0506|共享单车乱停放|09011|3|4|-|road|shared_bike
0507|占用消防通道|09012|1|4|-|compound|fire_lane
0508|流浪乞讨|09003|0.4|12|winter|market|begging
0509|废品收购乱象|09004|0.6|48|-|compound|scrap
0510|占道洗车|09021|0.5|12|-|road|car_wash
0511|无证餐饮|09015|0.8|72|-|market|catering
0512|农贸市场秩序|09020|1|24|-|market|market
0513|早夜市管理|09002|0.8|24|summer|market|market
0601|路灯不亮|01037|2|48|winter|road|street_light
0602|果皮箱破损|03005|1.2|48|-|road|bin
0603|公厕异常|03001|0.6|24|-|background|toilet
0604|交通护栏损坏|02017|0.8|72|-|road|guardrail
0605|行道树缺损|04002|1|72|-|road|tree
0606|消防栓损坏|01013|0.4|24|-|road|hydrant
0607|盲道缺损|06051|0.8|168|-|road|tactile
0608|健身设施损坏|01046|0.5|72|-|compound|fitness
0609|交通信号灯故障|02014|0.4|4|-|road|signal
"""
# codes the city's system sends but its mapping table lacks (kept and flagged by the loader)
LEGACY_UNKNOWN = (("0699", "其他扩展事项"), ("0799", "其他"))
# 12345: major | major name | minor name | GB/T class or - | weight | limit (h) | season | location | template | dept
HOTLINE = """
01|城乡建设|物业管理|-|6|168|-|compound|property|住建局
01|城乡建设|小区设施维修|-|3|168|-|compound|facility_repair|住建局
01|城乡建设|违章建筑|06001|2|360|-|compound|structure|
01|城乡建设|电梯故障|01076|1.5|24|-|compound|elevator|
01|城乡建设|老旧小区改造|-|1|360|-|compound|renovation|住建局
01|城乡建设|房屋漏水|-|1.5|168|summer|compound|leak|住建局
01|城乡建设|道路破损|06013|2|72|-|road|road_damage|
01|城乡建设|窨井盖破损|01003|1|12|-|road|manhole|
02|交通运输|公交服务|-|2|168|-|road|bus|交通运输局
02|交通运输|出租车网约车|-|1|168|-|none|taxi|交通运输局
02|交通运输|共享单车|09011|2|24|-|road|shared_bike|
02|交通运输|停车管理|09009|3|24|-|school|parking|
02|交通运输|交通信号灯|02014|0.8|12|-|road|signal|
02|交通运输|道路施工|08002|1|72|-|road|construction_road|
02|交通运输|非机动车乱停|09010|1|24|-|road|nonmotor|
03|环境保护|噪声污染|06028|3|48|summer|market|noise|
03|环境保护|油烟污染|06027|2|72|-|market|fume|
03|环境保护|工地扬尘|08004|1.2|48|-|background|dust|
03|环境保护|水体污染|06026|0.6|168|summer|background|water_pollution|
03|环境保护|露天焚烧|06020|0.6|24|winter|background|burning|
03|环境保护|施工噪声|08001|2.5|24|summer|background|construction_noise|
04|市场监管|食品安全|-|2|168|-|market|food|市场监管局
04|市场监管|价格投诉|-|1.5|168|-|market|price|市场监管局
04|市场监管|无证经营|09015|1|168|-|market|catering|
04|市场监管|消费维权|-|2.5|168|-|market|consumer|市场监管局
04|市场监管|预付卡退费|-|1.5|360|-|market|prepaid|市场监管局
05|劳动社保|拖欠工资|-|2|360|-|background|wage|人社局
05|劳动社保|社保缴纳|-|1.5|168|-|none|social_security|人社局
05|劳动社保|劳动合同纠纷|-|1|360|-|none|contract|人社局
05|劳动社保|退休待遇|-|0.8|168|-|none|pension|人社局
06|教育|招生入学|-|1.5|168|-|school|enrollment|教体局
06|教育|校外培训|-|1|168|-|school|tutoring|教体局
06|教育|校园周边交通|09009|1|24|-|school|school_traffic|
06|教育|学校收费|-|0.6|168|-|none|school_fee|教体局
07|卫生健康|医疗服务|-|1.5|168|-|background|medical|卫健委
07|卫生健康|医保报销|-|1|168|-|none|insurance|卫健委
07|卫生健康|病媒生物防治|-|0.8|72|summer|compound|pests|卫健委
07|卫生健康|疫苗接种|-|0.5|72|-|none|vaccine|卫健委
08|公共安全|治安问题|-|1.5|24|-|background|security|公安分局
08|公共安全|电动车飞线充电|-|1.2|24|-|compound|charging|应急管理局
08|公共安全|高空抛物|-|0.8|72|-|compound|throwing|公安分局
08|公共安全|占用消防通道|09012|1|12|-|compound|fire_lane|
08|公共安全|消防设施损坏|01013|0.5|24|-|compound|hydrant|
09|城市管理|占道经营|09006|3|24|summer|market|vendor|
09|城市管理|店外经营|09005|2|24|-|market|outside_store|
09|城市管理|垃圾清运不及时|06010|3.5|24|summer|compound|garbage|
09|城市管理|垃圾桶满溢|06042|2|12|summer|compound|overflow|
09|城市管理|乱堆乱放|06036|2|48|-|compound|piling|
09|城市管理|非法小广告|07001|1|48|-|compound|flyer|
09|城市管理|户外广告牌|07003|0.6|168|-|road|ad|
09|城市管理|路灯不亮|01037|2|48|winter|road|street_light|
09|城市管理|绿化养护|04002|1.5|72|summer|road|tree|
09|城市管理|毁绿占绿|06045|1|72|-|background|greening|
09|城市管理|露天烧烤|06029|1.5|24|summer|market|bbq|
09|城市管理|渣土撒漏|06014|0.8|24|-|road|muck|
09|城市管理|公厕管理|03001|0.5|48|-|background|toilet|
09|城市管理|道路积雪结冰|10001|0.2|24|snow|road|snow|
10|水电气暖|停水|-|2|24|-|compound|water_outage|供水公司
10|水电气暖|水压低|-|1|48|-|compound|water_pressure|供水公司
10|水电气暖|停电|-|2|24|summer|compound|power_outage|供电公司
10|水电气暖|燃气故障|-|1|24|winter|compound|gas|燃气公司
10|水电气暖|积水内涝|01004|1|24|summer|road|waterlogging|
10|水电气暖|供水管道漏水|01001|0.8|24|-|road|pipe_leak|
11|民政|养老服务|-|1|168|-|compound|elderly|民政局
11|民政|低保救助|-|0.8|360|-|none|subsidy|民政局
11|民政|残疾人服务|-|0.4|168|-|none|disability|民政局
11|民政|流浪乞讨|09003|0.3|24|winter|market|begging|
12|住房保障|公租房|-|0.8|360|-|none|public_housing|住建局
12|住房保障|不动产登记|-|0.8|360|-|none|property_cert|住建局
12|住房保障|住房公积金|-|0.6|168|-|none|provident|住建局
12|住房保障|物业费纠纷|-|1|360|-|compound|property_fee|住建局
13|政务服务|办事效率|-|0.8|168|-|none|efficiency|数据资源局
13|政务服务|工作人员态度|-|0.6|168|-|none|attitude|数据资源局
13|政务服务|政策咨询|-|1|72|-|none|policy|数据资源局
14|文体旅游|文化活动|-|0.4|168|-|background|culture|文旅局
14|文体旅游|户外健身设施|01046|0.5|72|-|compound|fitness|
14|文体旅游|旅游投诉|-|0.3|168|-|none|tourism|文旅局
15|其他|表扬感谢|-|0.4|168|-|none|praise|数据资源局
15|其他|其他诉求|-|0.6|168|-|background|other|数据资源局
"""
# camera scene key | name | GB/T class | vendor algorithm code | vendor name | weight | limit (h) | template
SCENES = """
greenbelt_damage|绿化带破损|06045|891|绿化带破坏|0.5|72|greening
shared_bike_parking|共享单车乱停放|09011|892|共享单车乱停放|1.5|4|shared_bike
illegal_parking|机动车乱停放|09009|893|机动车违章停车|3|4|parking
exposed_garbage|暴露垃圾|06010|890|暴露垃圾|2.5|6|garbage
garbage_overflow|垃圾满溢|06042|895|垃圾桶满溢|2|4|overflow
outside_store_business|店外经营|09005|894|出店经营|2.5|4|outside_store
street_vending|占道经营|09006|896|占道经营|2.5|4|vendor
street_hanging|沿街晾挂|06007|897|沿街晾晒|0.8|24|hanging
random_piling|乱堆物|06036|898|乱堆物料|1.2|24|piling
road_damage|道路破损|06013|899|道路破损|0.6|72|road_damage
"""
# IoT alarm name | GB/T class | weight | limit (h) | season | location | template
IOT = """
独居老人烟感报警|01013|3|2|winter|compound|smoke
井盖位移告警|01003|2|12|-|road|manhole_iot
智能垃圾桶满溢告警|06042|3|4|summer|market|bin_iot
积水监测超警戒|01004|1|6|summer|road|water_iot
单灯控制器故障|01037|1.5|48|winter|road|light_iot
消防栓水压异常|01013|0.5|24|-|road|hydrant_iot
"""
# description templates: {P} is the place (compound/building, road/number, market …)
TEMPLATES: dict[str, tuple[str, ...]] = {
    "structure": ("{P}楼顶私自搭建彩钢棚，疑似违章建筑", "{P}一楼住户私自扩建院墙", "{P}有人正在违规搭建简易房"),
    "garbage": ("{P}有暴露垃圾，无人清理", "{P}生活垃圾随意堆放，气味难闻", "{P}垃圾袋散落一地"),
    "accumulated": ("{P}积存建筑渣土和生活垃圾", "{P}空地堆积大量垃圾渣土"),
    "dirty_road": ("{P}路面有油污和垃圾，保洁不到位", "{P}路面脏污，多日未清扫"),
    "water": ("{P}附近水面漂浮垃圾", "{P}附近河道水面有大量漂浮物"),
    "greening_dirty": ("{P}绿地内垃圾较多，无人清理",),
    "furniture": ("{P}丢弃旧沙发床垫等大件家具", "{P}堆放废弃家具"),
    "overflow": ("{P}垃圾满溢，多日未清运", "{P}垃圾桶已满，垃圾散落地面", "{P}垃圾站满溢，周边异味严重"),
    "hanging": ("{P}沿街晾晒衣物被褥，影响市容", "{P}临街护栏上晾挂衣物"),
    "piling": ("{P}乱堆杂物", "{P}人行道上堆放杂物影响通行", "{P}乱堆建材杂物"),
    "burning": ("{P}有人焚烧树叶垃圾，烟雾较大",),
    "fume": ("{P}餐馆油烟直排，影响楼上居民", "{P}烧烤店油烟扰民"),
    "noise": ("{P}夜间噪声扰民，影响休息", "{P}商铺高音喇叭招揽顾客，噪声大", "{P}广场舞音响声音过大"),
    "bbq": ("{P}夜间露天烧烤，烟雾较大", "{P}烧烤摊占道经营至深夜"),
    "road_damage": ("{P}路面破损坑洼，存在安全隐患", "{P}人行道地砖松动破损", "{P}路面出现裂缝和坑槽"),
    "collapse": ("{P}路面局部塌陷，需紧急处置",),
    "animal": ("{P}有动物尸体，需清理",),
    "greening": ("{P}绿化带被踩踏损毁", "{P}绿地内有人私自种菜毁绿", "{P}绿化带被车辆碾压破坏"),
    "unsorted": ("{P}垃圾分类投放点混投严重", "{P}垃圾分类桶内混装，无人督导"),
    "abandoned": ("{P}停放僵尸车，长期无人挪动", "{P}废弃电动车长期占用车位"),
    "ac_low": ("{P}空调外机安装过低，滴水影响行人",),
    "ground_lock": ("{P}私设地锁占用公共车位", "{P}有人私自设置阻车桩"),
    "flyer": ("{P}墙面和电线杆张贴非法小广告", "{P}单元门上喷涂小广告"),
    "ad": ("{P}户外广告牌破损，存在坠落隐患", "{P}违规设置户外广告"),
    "leaflet": ("{P}有人散发广告传单",),
    "sign": ("{P}商铺牌匾破损，存在安全隐患", "{P}商铺违规设置牌匾"),
    "banner": ("{P}违规悬挂宣传横幅", "{P}宣传横幅破损未及时撤除"),
    "construction_noise": ("{P}附近工地夜间施工，噪声扰民", "{P}附近工地施工机械噪声大"),
    "construction_road": ("{P}施工围挡占用人行道", "{P}施工占用机动车道未设警示"),
    "dust": ("{P}附近工地裸土未覆盖，扬尘严重", "{P}附近工地出入口扬尘较大"),
    "construction_waste": ("{P}施工废弃料随意堆放",),
    "excavation": ("{P}有人擅自开挖路面",),
    "muck": ("{P}渣土车撒漏，路面污染", "{P}工地车辆带泥上路"),
    "hoarding": ("{P}施工围挡破损倾斜",),
    "waterlogging": ("{P}路面严重积水，车辆难以通行", "{P}雨水箅子堵塞，路面积水", "{P}地势低洼处积水较深"),
    "manhole": ("{P}井盖缺失，存在安全隐患", "{P}井盖破损下陷", "{P}井盖松动，车辆经过响声大"),
    "cable": ("{P}架空线缆脱落，垂至路面", "{P}通信线缆低垂影响通行"),
    "snow": ("{P}路面积雪结冰，行人易滑倒", "{P}人行道结冰未及时清理"),
    "tree_fallen": ("{P}行道树倒伏，阻碍通行", "{P}大树被风刮断压在路边"),
    "vendor": ("{P}流动摊贩占道经营", "{P}早点摊占用人行道经营", "{P}水果摊占道经营，影响通行"),
    "outside_store": ("{P}店外经营，货物摆放至人行道", "{P}餐馆在店外摆放桌椅经营", "{P}商铺跨门经营"),
    "parking": ("{P}机动车乱停放，堵塞通道", "{P}车辆违停占用人行道", "{P}车辆乱停影响通行"),
    "nonmotor": ("{P}电动车乱停乱放", "{P}非机动车停放无序占用盲道"),
    "shared_bike": ("{P}共享单车乱停放，堵塞人行道", "{P}共享单车大量堆积无人清理", "{P}共享单车倒地堵塞通道"),
    "fire_lane": ("{P}消防通道被车辆占用", "{P}消防通道堆放杂物"),
    "begging": ("{P}有流浪人员，需救助",),
    "scrap": ("{P}废品收购点占道堆放",),
    "car_wash": ("{P}占道洗车，污水横流",),
    "catering": ("{P}无证餐饮经营，卫生条件差",),
    "market": ("{P}周边秩序混乱，摊位占道", "{P}早市摊点占道经营"),
    "street_light": ("{P}路灯不亮", "{P}多盏路灯夜间不亮", "{P}路灯白天常亮"),
    "bin": ("{P}果皮箱破损", "{P}垃圾箱缺失"),
    "toilet": ("{P}公厕设施损坏，无人管理", "{P}公厕卫生差异味大"),
    "guardrail": ("{P}交通护栏损坏倒伏",),
    "tree": ("{P}行道树枝条过密遮挡路灯", "{P}行道树缺株未补植", "{P}树木枝叶遮挡交通标志"),
    "hydrant": ("{P}消防栓损坏漏水", "{P}消防栓被圈占无法使用"),
    "tactile": ("{P}盲道缺损", "{P}盲道被占用"),
    "fitness": ("{P}健身器材损坏", "{P}健身器材松动存在安全隐患"),
    "signal": ("{P}交通信号灯故障", "{P}信号灯配时不合理"),
    "property": ("{P}物业服务不到位，公共区域卫生差", "{P}物业不作为，小区管理混乱"),
    "facility_repair": ("{P}单元门禁损坏，物业迟迟不修", "{P}小区内道路破损需要维修"),
    "elevator": ("{P}电梯经常故障停运", "{P}电梯困人，需检修"),
    "renovation": ("{P}老旧小区改造施工进度慢", "{P}老旧小区改造后遗留问题未解决"),
    "leak": ("{P}顶楼房屋漏水，要求维修", "{P}外墙渗水"),
    "bus": ("{P}公交站候车时间过长", "{P}附近公交线路调整不便出行"),
    "taxi": ("出租车司机拒载绕路", "网约车计价不合理"),
    "water_pollution": ("{P}附近水体发黑发臭",),
    "food": ("{P}餐馆食品卫生问题", "{P}超市销售过期食品"),
    "price": ("{P}商户价格欺诈", "{P}停车收费不合理"),
    "consumer": ("{P}商家拒绝退换货", "网购商品质量问题维权"),
    "prepaid": ("{P}健身房预付卡无法退费", "{P}培训机构关门预付费无法退还"),
    "wage": ("反映{P}附近某公司拖欠工资", "反映某工地拖欠农民工工资"),
    "social_security": ("咨询社保缴纳和转移接续", "反映单位未缴纳社保"),
    "contract": ("反映用人单位未签订劳动合同", "劳动合同纠纷求助"),
    "pension": ("咨询退休待遇领取", "咨询养老金调整"),
    "enrollment": ("咨询{P}所在学区招生入学政策", "反映子女入学难"),
    "tutoring": ("反映{P}附近校外培训机构违规办学",),
    "school_traffic": ("{P}上下学时段接送车辆拥堵",),
    "school_fee": ("反映学校乱收费",),
    "medical": ("反映{P}附近诊所服务态度差", "社区卫生服务中心排队时间长"),
    "insurance": ("咨询医保报销政策", "医保异地报销问题"),
    "pests": ("{P}老鼠蟑螂较多，要求消杀", "{P}蚊虫滋生需消杀"),
    "vaccine": ("咨询疫苗接种时间地点",),
    "security": ("{P}附近治安问题", "{P}夜间有人聚集滋事"),
    "charging": ("{P}电动车飞线充电，存在火灾隐患", "{P}楼道内电动车充电"),
    "throwing": ("{P}高空抛物，存在安全隐患",),
    "water_outage": ("{P}突然停水，无任何通知", "{P}停水时间过长影响生活"),
    "water_pressure": ("{P}水压低，高层用水困难",),
    "power_outage": ("{P}频繁停电", "{P}停电未提前通知"),
    "gas": ("{P}燃气异味，疑似泄漏", "{P}燃气表故障"),
    "pipe_leak": ("{P}供水管道破裂漏水", "{P}路面冒水，疑似水管破裂"),
    "elderly": ("{P}独居老人需要助餐服务", "咨询居家养老服务补贴"),
    "subsidy": ("咨询低保申请条件", "反映困难家庭救助问题"),
    "disability": ("咨询残疾人补贴政策",),
    "public_housing": ("咨询公租房申请进度",),
    "property_cert": ("反映房产证迟迟办不下来", "咨询不动产登记流程"),
    "provident": ("咨询住房公积金提取",),
    "property_fee": ("{P}物业费纠纷", "{P}物业乱收费"),
    "efficiency": ("反映办事窗口效率低", "反映办事需多次跑腿"),
    "attitude": ("反映工作人员服务态度差",),
    "policy": ("咨询相关惠民政策", "咨询办事所需材料"),
    "culture": ("{P}附近希望增加文化活动场地",),
    "tourism": ("旅游服务投诉",),
    "praise": ("表扬社区工作人员办事热心", "感谢相关部门及时解决问题"),
    "other": ("{P}其他问题反映", "其他诉求"),
    "smoke": ("{P}独居老人家中烟感报警器告警", "{P}烟感探测器触发告警"),
    "manhole_iot": ("{P}井盖位移传感器告警",),
    "bin_iot": ("{P}智能垃圾桶满溢告警",),
    "water_iot": ("{P}积水监测点水位超过警戒值",),
    "light_iot": ("{P}单灯控制器上报故障",),
    "hydrant_iot": ("{P}消防栓水压低于阈值",),
}


def parse_table(text: str, columns: str) -> pd.DataFrame:
    rows = [line.split("|") for line in text.strip().splitlines()]
    return pd.DataFrame(rows, columns=columns.split())


def legacy_codes() -> pd.DataFrame:
    return parse_table(LEGACY, "code name gbt weight limit_h season loc tpl")


#: Share of their weight the 12345 topics outside GB/T 47678.5 (wages, schooling, social security …) keep: most
#: stay with the hotline's own departments, and a city's feed to the governance map maps almost all its codes
#: (with the legacy codes its mapping table lacks, ~3 % of the demo's cases have no GB/T class).
OUTSIDE_GBT_SHARE = 0.1


def hotline_topics() -> pd.DataFrame:
    """The 12345 dictionary: 诉求分类编码 = major (2) + minor (4)."""
    t = parse_table(HOTLINE, "major major_name name gbt weight limit_h season loc tpl dept")
    t["weight"] = t["weight"].astype(float) * np.where(t["gbt"] == "-", OUTSIDE_GBT_SHARE, 1.0)
    t["code"] = t["major"] + (t.groupby("major").cumcount() + 1).map("{:04d}".format)
    return t


def camera_scenes() -> pd.DataFrame:
    return parse_table(SCENES, "key name gbt vendor_code vendor_name weight limit_h tpl")


def iot_kinds() -> pd.DataFrame:
    return parse_table(IOT, "name gbt weight limit_h season loc tpl")
