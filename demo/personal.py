"""Personal data in the demo's free texts, as citizens and call-takers write it, and the truth of what was planted.

A share of the hotline's case descriptions and addresses and of its flow notes get the forms ``core.privacy``
must mask (mobile numbers with separators and country code, landlines, ID numbers, bank cards, names next to a
number or after a label), and others get what it must leave alone (work-order numbers, dates, amounts,
coordinates, rooms). ``Planter.plant`` edits each chunk of the case writer in place (its own random stream, so
the rest of the demo is unchanged); ``personal_truth.json`` records every planted text with its personal items
and the strings that must survive, for the tests and for ``measure``: masked / missed / over-masked, on the
planted texts and on every free text of the demo's files.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.privacy import mask_text_column

from .cases import FLOW_FILE, SOURCE_ENCODING, SOURCE_FILE
from .city import MOBILE_PREFIXES, SURNAMES

TRUTH_FILE = "personal_truth.json"
SOURCE = "hotline12345"
#: Shares of the hotline's texts that get personal data, and that get only what must be kept.
PERSONAL_RATE, CLEAN_RATE = 0.03, 0.03
#: Given names the demo's staff never have (``city.GIVEN``), so a planted name is a citizen's alone.
GIVEN = ("婉清", "梓涵", "佳怡", "诗琪", "宇航", "子轩", "昊天", "思彤", "梦瑶", "语桐", "沐阳", "若曦", "嘉懿", "锦程")
_AREA_CODES = ("0551", "0552", "0553", "0554", "0555", "0556", "010", "021", "025")
_REGIONS = ("340104", "340111", "340102", "340121", "340123", "320102", "110105", "330106")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass
class Planted:
    """One planted text: where it is (``file``, ``key``: the case id, or case id and step for a note), the
    ``column``, the ``text`` as written, the ``personal`` items in it ``(kind, raw)``, and what must be ``kept``."""

    file: str
    key: str
    column: str
    text: str
    personal: list[tuple[str, str]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


class Planter:
    """Plants personal data into the hotline's chunks (``CaseWriter.write(edit=…)``) and records the truth."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng([seed, 16])
        self.planted: list[Planted] = []

    # ---------------------------------------------------------------- the forms people write
    def _digits(self, n: int) -> str:
        return "".join(str(d) for d in self.rng.integers(0, 10, n))

    def _choice(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(0, len(options)))]

    def name(self) -> str:
        return self._choice(tuple(SURNAMES)) + self._choice(GIVEN)

    def mobile(self) -> str:
        n = self._choice(tuple(MOBILE_PREFIXES)) + self._digits(8)
        a, b, c = n[:3], n[3:7], n[7:]
        forms = (n, f"{a}-{b}-{c}", f"{a} {b} {c}", f"+86 {a} {b} {c}", f"+86-{a}-{b}-{c}", f"86{n}", f"+86{n}")
        return self._choice(forms)

    def landline(self) -> str:
        area = self._choice(_AREA_CODES)
        local = str(self.rng.integers(5, 9)) + self._digits(7)  # eight digits, as most cities have
        forms = (f"{area}-{local}", f"({area}){local[:4]} {local[4:]}", f"（{area}）{local}", f"{area} {local}")
        return self._choice(forms)

    def id_number(self) -> str:
        born = pd.Timestamp("1950-01-01") + pd.Timedelta(days=int(self.rng.integers(0, 20_000)))
        body = self._choice(_REGIONS) + born.strftime("%Y%m%d") + self._digits(3)
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]
        number = body + check
        return number if self.rng.random() < 0.8 else f"{number[:6]} {number[6:14]} {number[14:]}"

    def card(self) -> str:
        body = self._choice(("6222", "6217", "6228", "6214")) + self._digits(11 if self.rng.random() < 0.5 else 14)
        total = 0
        for i, char in enumerate(reversed(body)):  # the check digit that makes the number pass Luhn
            d = int(char) * (1 if i % 2 else 2)
            total += d - 9 if d > 9 else d
        number = body + str((10 - total % 10) % 10)
        return number if self.rng.random() < 0.5 else " ".join(number[i : i + 4] for i in range(0, len(number), 4))

    def kept(self) -> str:
        """Something a masking rule must leave alone."""
        day = pd.Timestamp("2026-01-01") + pd.Timedelta(days=int(self.rng.integers(0, 300)))
        region = self._choice(_REGIONS)
        forms = (
            f"关联工单RX{day:%Y%m%d}{self._digits(7)}",
            f"原工单号{region}{day:%Y%m%d}{self._digits(4)}",
            f"{day:%Y-%m-%d} {self.rng.integers(8, 20)}:{self._digits(1)}0",
            f"{day.year}年{day.month}月{day.day}日",
            f"罚款{int(self.rng.integers(2, 50)) * 100}元",
            f"金额{self.rng.integers(100, 99999)}.{self._digits(2)}元",
            f"约{self.rng.integers(10, 5000)}平方米",
            f"坐标{117 + self.rng.random():.7f} {31 + self.rng.random():.7f}",
            f"东经{117 + self.rng.random():.6f}°，北纬{31 + self.rng.random():.6f}°",
            f"{self.rng.integers(1, 40)}栋{self.rng.integers(1, 33)}0{self.rng.integers(1, 6)}室",
            f"车牌皖A{self._digits(5)}",
            "12345热线",
        )
        return self._choice(forms)

    # ---------------------------------------------------------------- what is written
    def _description(self) -> tuple[str, list[tuple[str, str]]]:
        name, mobile = self.name(), self.mobile()
        shapes = (
            (f"。联系人：{name}，联系电话{mobile}", [("name", name), ("mobile", mobile)]),
            (f"。市民{name}来电，手机{mobile}", [("name", name), ("mobile", mobile)]),
            (f"。反映人{name}（{(line := self.landline())}）", [("name", name), ("landline", line)]),
            (f"。{name} {mobile}", [("name", name), ("mobile", mobile)]),
            (f"。身份证号{(number := self.id_number())}，电话{mobile}", [("id", number), ("mobile", mobile)]),
            (f"。要求退还押金，银行卡号{(card := self.card())}，持卡人{name}", [("card", card), ("name", name)]),
            (f"。回电请拨{(line := self.landline())}", [("landline", line)]),
        )
        return shapes[int(self.rng.integers(0, len(shapes)))]

    def _address(self, address: str) -> tuple[str, list[tuple[str, str]]]:
        name, mobile = self.name(), self.mobile()
        room = f"{self.rng.integers(1, 33)}0{self.rng.integers(1, 6)}室"
        if self.rng.random() < 0.5:
            return f"{address}{room} {name} {mobile}", [("name", name), ("mobile", mobile)]
        return f"{address}{room}（业主{name}，{mobile}）", [("name", name), ("mobile", mobile)]

    def _note(self, note: str) -> tuple[str, list[tuple[str, str]]]:
        name = self.name()
        if self.rng.random() < 0.5:
            mobile = self.mobile()
            return f"{note}，已电话联系当事人{name}（{mobile}）", [("name", name), ("mobile", mobile)]
        line = self.landline()
        return f"{note}，已回访{name}，电话{line}", [("name", name), ("landline", line)]

    def _texts(
        self, file: str, keys: list[str], column: str, values: list[str | None], personal: str
    ) -> list[str | None]:
        """``values`` with some personal (``personal``: description, address or note) and some kept texts."""
        n = len(values)
        draw = self.rng.random(n)
        out = list(values)
        for i in np.flatnonzero(draw < PERSONAL_RATE + CLEAN_RATE):
            base = values[i]
            if base is None:
                continue
            kept = [self.kept() for _ in range(int(self.rng.integers(0, 3)))]
            items: list[tuple[str, str]] = []
            text = base
            if draw[i] < PERSONAL_RATE:
                if personal == "description":
                    suffix, items = self._description()
                    text = base + suffix
                elif personal == "address":
                    text, items = self._address(base)
                else:
                    text, items = self._note(base)
            text += "".join(f"（{k}）" for k in kept)
            out[i] = text
            self.planted.append(Planted(file, keys[i], column, text, items, kept))
        return out

    def plant(self, out: dict) -> None:
        """Edit one chunk of ``CaseWriter.chunk``'s output in place: the hotline's descriptions, addresses and
        flow notes."""
        cases: pa.Table = out[SOURCE]["cases"]
        ids = pc.cast(cases["事件编号"], pa.string()).to_pylist()
        for column, kind in (("事件描述", "description"), ("事发地址", "address")):
            values = pc.cast(cases[column], pa.string()).to_pylist()
            edited = self._texts(SOURCE_FILE[SOURCE], ids, column, values, kind)
            cases = cases.set_column(cases.schema.get_field_index(column), column, pa.array(edited, pa.string()))
        out[SOURCE]["cases"] = cases
        flow: pa.Table = out[SOURCE]["flow"]
        keys = [
            f"{case}#{seq}"
            for case, seq in zip(
                pc.cast(flow["事件编号"], pa.string()).to_pylist(), flow["序号"].to_pylist(), strict=True
            )
        ]
        notes = self._texts(FLOW_FILE[SOURCE], keys, "备注", pc.cast(flow["备注"], pa.string()).to_pylist(), "note")
        out[SOURCE]["flow"] = flow.set_column(flow.schema.get_field_index("备注"), "备注", pa.array(notes, pa.string()))

    def write_truth(self, out_dir: Path) -> Path:
        path = Path(out_dir) / TRUTH_FILE
        records = [vars(p) for p in self.planted]
        path.write_text(json.dumps(records, ensure_ascii=False, indent=0), encoding="utf-8")
        return path


def read_truth(out_dir: Path) -> list[Planted]:
    """The planted texts recorded in ``out_dir``."""
    records = json.loads((Path(out_dir) / TRUTH_FILE).read_text(encoding="utf-8"))
    return [Planted(**{**r, "personal": [tuple(item) for item in r["personal"]]}) for r in records]


# ---------------------------------------------------------------- measuring the rule
@dataclass
class Measure:
    """What the masking rule did to the demo's free texts: personal items ``masked``/``missed`` by kind, strings
    that must be kept ``kept``/``over_masked``, and of every other free text how many it changed (``changed``,
    of ``texts``) though nothing was planted in them."""

    masked: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)
    kept: int = 0
    over_masked: int = 0
    texts: int = 0
    changed: int = 0
    missed_examples: list[str] = field(default_factory=list)
    over_masked_examples: list[str] = field(default_factory=list)

    def summary(self) -> str:
        kinds = sorted(set(self.masked) | set(self.missed))
        lines = [f"{'kind':<10}{'planted':>9}{'masked':>9}{'missed':>9}"]
        for kind in kinds:
            total = self.masked[kind] + self.missed[kind]
            lines.append(f"{kind:<10}{total:>9}{self.masked[kind]:>9}{self.missed[kind]:>9}")
        masked, missed = sum(self.masked.values()), sum(self.missed.values())
        lines.append(f"{'all':<10}{masked + missed:>9}{masked:>9}{missed:>9}")
        lines.append(f"kept strings: {self.kept + self.over_masked}, over-masked {self.over_masked}")
        lines.append(f"other free texts: {self.texts}, changed by the rule {self.changed}")
        return "\n".join(lines)


def _free_texts(out_dir: Path) -> Iterable[pd.Series]:
    for source, name in SOURCE_FILE.items():
        path = Path(out_dir) / name
        for chunk in pd.read_csv(path, dtype=str, encoding=SOURCE_ENCODING[source], chunksize=200_000):
            yield from (chunk[c].dropna() for c in ("事件描述", "事发地址") if c in chunk)
    for source, name in FLOW_FILE.items():
        for chunk in pd.read_csv(Path(out_dir) / name, dtype=str, encoding=SOURCE_ENCODING[source], chunksize=500_000):
            yield chunk["备注"].dropna()


def measure(out_dir: Path) -> Measure:
    """Apply the ETL's masking (``mask_text_column``) to every free text of the demo in ``out_dir`` and count."""
    result = Measure()
    planted = read_truth(out_dir)
    masked = mask_text_column(pd.Series([p.text for p in planted], dtype=object)).tolist()
    for p, text in zip(planted, masked, strict=True):
        for kind, raw in p.personal:
            if raw in text:
                result.missed[kind] += 1
                result.missed_examples.append(f"{raw!r} in {text!r}")
            else:
                result.masked[kind] += 1
        for raw in p.kept:
            if raw in text:
                result.kept += 1
            else:
                result.over_masked += 1
                result.over_masked_examples.append(f"{raw!r} in {text!r}")
    planted_texts = {p.text for p in planted}
    for texts in _free_texts(out_dir):
        others = texts[~texts.isin(planted_texts)]
        changed = mask_text_column(others).astype(object) != others.astype(object)
        result.texts += len(others)
        result.changed += int(changed.sum())
        result.over_masked_examples += others[changed.to_numpy()].head(5).tolist()
    return result
