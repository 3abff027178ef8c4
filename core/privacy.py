"""Personal data (PIPL): the one masking rule, for names, phone numbers and the numbers citizens type into text.

Raw contact data is never stored: the ETL masks at load (``contact_masked``, every free-text field, rejected rows'
originals), and anything shown or exported again (popups, exports, the rejected-row listing) goes through
``mask_text`` too, so a value that reached the database another way is still masked on its way out. All of them
read the patterns below: there is no second rule to drift apart. ``RULE_VERSION`` names this rule; a database
masked by an older one is masked again by the next load (``etl/remask.py``).

* names keep their first character: 张三 → 张*, 欧阳娜娜 → 欧*** (at most three stars);
* a contact phone column keeps the first three and last four digits (13812345678 → 138****5678); numbers shorter
  than seven digits keep their last two;
* in free text, digits are replaced by ``*`` in place, separators kept:

  - mainland ID numbers (18 characters, the last may be X, a plausible birth date inside, check digit or not: a
    mistyped one is still someone's) keep the region and the last four: 340104********123X. A number right after
    a work-order label (工单号, 编号 …) is an identifier and is kept. Old 15-digit ID numbers (invalid since
    2013) are not looked for: they cannot be told from 15-digit grid codes;
  - bank card numbers (16–19 digits starting 3–6) keep the first and last four: 6222 **** **** ***0 123, after a
    card label (卡号, 账号 …), or when they pass the Luhn check or are written in groups and follow no
    work-order label;
  - mobile numbers with or without separators and country code (138-1234-5678, +86 139 1234 5678,
    8613812345678) keep the first three and last four digits: +86 139 **** 5678;
  - landlines with an area code (0551-65123456, (0551)6512 3456) keep the area code and the last four digits,
    and so do seven- or eight-digit numbers after a phone label (电话 65123456);
  - a name written right before a phone number (张三 13812345678, 李四电话…) or after a label that introduces
    a person (联系人：王建国, 来电人李芳, 业主赵海燕) keeps its first character. Honorific forms (王女士, 李先生,
    张某) are already anonymous and stay.

  Case ids, dates, times, amounts, coordinates, room numbers and codes are left alone: a number inside a longer
  run of digits or after a decimal point is never a phone number, and the checks above (birth date, Luhn, area
  code) keep identifiers out. ``tests/core/test_privacy.py`` holds the table of forms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "FREE_TEXT_FIELDS",
    "NAME_FIELDS",
    "PHONE_FIELDS",
    "RULE_VERSION",
    "SUSPECT",
    "contact_masked",
    "mask_names",
    "mask_phones",
    "mask_record",
    "mask_text",
    "mask_text_column",
]

#: The version of this rule; bump it when the rule changes, so stored text is masked again by the next load.
RULE_VERSION = 2

#: The pandas dtype of masked text: Arrow-backed strings (vectorised kernels on a million rows).
STRING = pd.StringDtype("pyarrow")

#: Loader fields (``etl/columns.py``) that hold a person's name, a phone number, or free text.
NAME_FIELDS: tuple[str, ...] = ("contact_name", "operator")
PHONE_FIELDS: tuple[str, ...] = ("contact_phone",)
FREE_TEXT_FIELDS: tuple[str, ...] = ("description", "address", "note")

# ---------------------------------------------------------------- the vocabulary of the rule
#: The 100-odd most common single-character surnames, and the compound ones.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟"
    "姜崔谭陆范汪廖石金贾夏付傅方邹熊白孟秦邱侯江尹薛段雷黎史陶贺毛郝顾龚邵万武钱戴严孔汤常温康施文牛樊葛邢安齐"
    "易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游"
    "辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND = "欧阳|司马|上官|诸葛|东方|皇甫|令狐|慕容|夏侯|司徒|尉迟|长孙|宇文|公孙|轩辕|端木|独孤|南宫|西门|百里"
#: Characters that end a name: honorifics (王女士 stays), verbs of reporting, particles, places.
_STOP = (
    "先女某师老阿总经主工姐哥叔姨伯爷奶来反称说表电手联投举打致拨诉要请希向对在于家住的了和与及等是有已也都就又再现今"
    "昨面处报室部站所局委办队科院校店厂司馆楼栋号区路街村镇组会心门口"
)
_HAN = "\u4e00-\u9fff"
_GIVEN = f"(?:(?![{_STOP}])[{_HAN}])"
_NAME = f"(?:{_COMPOUND}|[{_SURNAMES}]){_GIVEN}{{1,2}}"
#: Labels that introduce a person; after the weak ones (市民文明 …) a name counts only when a verb of reporting or
#: a pause follows it (市民张三来电).
_PERSON_LABELS = (
    "联系人|报案人|报警人|来电人|反映人|投诉人|举报人|上报人|诉求人|当事人|求助人|申请人|收件人|持卡人|开户人|户名|"
    "业主|户主|姓名"
)
_WEAK_LABELS = "市民|居民|住户|本人|群众"
_AFTER_WEAK = r"(?=来电|反映|称|投诉|举报|诉|报|说|表示|要求|[，,、。；;：:（(\s]|$)"
_PHONE_LABELS = r"联系电话|联系方式|手机号|电话|手机|座机|固话|tel|Tel|TEL|phone|Phone"
_ID_LABEL_EXEMPT = re.compile(r"(?:工单|案件|事件|订单|流水|单|编|告警|编号|序列)[号码]?\s*[:：]?\s*$")
_CARD_LABEL = re.compile(r"(?:卡号|银行卡|借记卡|信用卡|账号|帐号|账户|帐户)\s*[:：]?\s*$")

# ---------------------------------------------------------------- the patterns
# A number is never taken from inside a longer run of digits, nor after a decimal point (coordinates, amounts).
_START = r"(?<![\d.])"
_END = r"(?!\d|\.\d)"
ID_NUMBER = re.compile(
    r"(?<!\d)(?P<region>[1-8]\d{5})(?P<s1> ?)"
    r"(?P<birth>(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?P<s2> ?)"
    r"(?P<tail>\d{3}[\dXx])(?![\dA-Za-z])"
)
CARD = re.compile(_START + r"(?P<number>[3-6]\d{3}(?:[ \-]?\d{4}){2}[ \-]?\d{4}(?:[ \-]?\d{1,3})?)" + _END)
MOBILE = re.compile(
    _START + r"(?P<cc>(?:\+|00)?86[ \-]?|[(（]\+?86[)）] ?)?(?P<number>1[3-9]\d[ \-]?\d{4}[ \-]?\d{4})" + _END
)
LANDLINE = re.compile(
    _START
    + r"(?P<area>[(（]0\d{2,3}[)）] ?|0\d{2,3}[ \-]?)(?P<number>[2-9]\d{2,3}[ \-]?\d{4})(?P<ext>-\d{1,5})?"
    + _END
)
LOCAL_AFTER_LABEL = re.compile(
    rf"(?P<label>{_PHONE_LABELS})(?P<sep>\s*[:：]?\s*)(?P<number>[2-9]\d{{2,3}}[ \-]?\d{{4}})" + _END
)
LABELLED_NAME = re.compile(
    rf"(?P<label>{_PERSON_LABELS})(?P<sep>\s*[:：]?\s*)(?P<name>{_NAME})"
    rf"|(?P<wlabel>{_WEAK_LABELS})(?P<wsep>\s*)(?P<wname>{_NAME}){_AFTER_WEAK}"
)
_BEFORE_PHONE = re.compile(rf"[\s,，、:：()（]*(?:{_PHONE_LABELS})?[\s,，、:：()（]*$")
_NAME_AT_END = re.compile(rf"{_NAME}$")
#: Texts that may hold anything above (a run of seven digits, allowing separators, or a person label): only these
#: are searched with the exact patterns. RE2 syntax (no look-arounds), for Arrow and DuckDB alike.
SUSPECT = rf"\d[\d \-]{{5,}}\d|{_PERSON_LABELS}|(?:{_WEAK_LABELS})\s*[{_SURNAMES}]"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _stars(text: str, keep_first: int, keep_last: int) -> str:
    """``text`` with its digits replaced by ``*``, but the first ``keep_first`` and last ``keep_last``."""
    positions = [i for i, char in enumerate(text) if char.isdigit()]
    hidden = set(positions[keep_first : len(positions) - keep_last])
    return "".join("*" if i in hidden else char for i, char in enumerate(text))


def _id_checksum_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == digits[17].upper()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _work_order(text: str, start: int) -> bool:
    """Whether the number at ``start`` follows a work-order label (工单号, 编号 …): an identifier."""
    return _ID_LABEL_EXEMPT.search(text, 0, start) is not None


def _mask_ids(text: str) -> str:
    def masked(m: re.Match[str]) -> str:
        if _work_order(text, m.start()):
            return m[0]  # a work-order number that happens to look like an ID number
        return f"{m['region']}{m['s1']}{'*' * 8}{m['s2']}{m['tail']}"

    return ID_NUMBER.sub(masked, text)


def _mask_cards(text: str) -> str:
    def masked(m: re.Match[str]) -> str:
        number = m["number"]
        digits = re.sub(r"\D", "", number)
        grouped = digits != number
        if _CARD_LABEL.search(text, 0, m.start()) or (
            not _work_order(text, m.start()) and (grouped or _luhn_ok(digits))
        ):
            return _stars(number, 4, 4)
        return number

    return CARD.sub(masked, text)


def _phone_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, masked)`` of every phone number in ``text``, in order."""
    spans: list[tuple[int, int, str]] = []
    for m in MOBILE.finditer(text):
        spans.append((m.start(), m.end(), (m["cc"] or "") + _stars(m["number"], 3, 4)))
    taken = [(s, e) for s, e, _ in spans]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for m in LANDLINE.finditer(text):
        if free(m.start(), m.end()):
            spans.append((m.start(), m.end(), m["area"] + _stars(m["number"], 0, 4) + (m["ext"] or "")))
        taken.append((m.start(), m.end()))
    for m in LOCAL_AFTER_LABEL.finditer(text):
        if free(m.start("number"), m.end()):
            spans.append((m.start("number"), m.end(), _stars(m["number"], 0, 4)))
    return sorted(spans)


def _masked_name(name: str) -> str:
    return name[0] + "*" * min(len(name) - 1, 3)


def _mask_phones_and_names(text: str) -> str:
    spans = _phone_spans(text)
    if not spans:
        return text
    out: list[str] = []
    at = 0
    for start, end, masked in spans:
        before = text[at:start]
        cut = _BEFORE_PHONE.search(before).start()  # type: ignore[union-attr]  # (it matches the empty tail)
        name = _NAME_AT_END.search(before, 0, cut)
        if name:  # 张三 13812345678, 李四电话…: the person the number belongs to
            before = before[: name.start()] + _masked_name(name[0]) + before[cut:]
        out += [before, masked]
        at = end
    out.append(text[at:])
    return "".join(out)


def _mask_labelled_names(text: str) -> str:
    def masked(m: re.Match[str]) -> str:
        if m["label"]:
            return m["label"] + m["sep"] + _masked_name(m["name"])
        return m["wlabel"] + m["wsep"] + _masked_name(m["wname"])

    return LABELLED_NAME.sub(masked, text)


def mask_text(text: str) -> str:
    """``text`` with the ID, bank card and phone numbers and the names of people in it masked (the module's
    rule); everything else as it was."""
    return _mask_labelled_names(_mask_phones_and_names(_mask_cards(_mask_ids(text))))


def mask_text_column(values: pd.Series) -> pd.Series:
    """``mask_text`` of every value (NA stays NA), as Arrow-backed strings."""
    text = values.astype(STRING)
    suspect = text.str.contains(SUSPECT, regex=True).fillna(False).to_numpy(bool)  # Arrow regex: fast
    if suspect.any():  # the exact masking (with look-arounds) runs only on the few rows that may need it
        rows = text[suspect].astype(object).map(mask_text)
        text = text.copy()
        text[suspect] = rows.astype(STRING)
    return text


def mask_record(record: Mapping[str, object], fields: Mapping[str, str]) -> dict[str, object]:
    """A source row (header → value) as it may be kept: the headers ``fields`` maps to a name or phone field
    masked as such, free-text and unmapped headers through ``mask_text``, the other mapped fields (ids, codes,
    times, numbers) as they were. ``fields``: header → loader field."""
    out: dict[str, object] = {}
    for header, value in record.items():
        field = fields.get(header)
        if not isinstance(value, str) or not value:
            out[header] = value
        elif field in NAME_FIELDS:
            out[header] = _masked_name(value.strip()) if value.strip() else value
        elif field in PHONE_FIELDS:
            out[header] = _masked_phone(value)
        elif field is None or field in FREE_TEXT_FIELDS:
            out[header] = mask_text(value)
        else:
            out[header] = value
    return out


def _masked_phone(value: str) -> str:
    digits = _national(re.sub(r"\D", "", value))
    if not digits:
        return mask_text(value)
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****" + digits[-2:]


def _national(digits: str) -> str:
    """A mobile number without its country code (8613812345678 → 13812345678)."""
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and len(rest) == 11 and rest[0] == "1":
            return rest
    return digits


def _arrow(values: pd.Series) -> pa.Array:
    return pa.array(values.astype(STRING).str.strip(), type=pa.string(), from_pandas=True)


def _series(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    chunked = pa.chunked_array([array]) if isinstance(array, pa.Array) else array
    return pd.Series(pd.arrays.ArrowStringArray(chunked), index=index)


def _masked_names(text: pa.Array) -> pa.Array:
    length = pc.utf8_length(text)
    stars = pc.if_else(pc.less_equal(length, 2), "*", pc.if_else(pc.equal(length, 3), "**", "***"))
    masked = pc.binary_join_element_wise(pc.utf8_slice_codeunits(text, 0, 1), stars, "")
    return pc.if_else(pc.greater(length, 0), masked, pa.scalar(None, pa.string()))


def _masked_phones(text: pa.Array) -> pa.Array:
    all_digits = pc.all(pc.or_kleene(pc.utf8_is_digit(text), pc.equal(text, ""))).as_py() is not False
    digits = text if all_digits else pc.replace_substring_regex(text, r"\D", "")  # most exports are bare digits
    # a mobile number with its country code (86…, 0086…) is masked as the national number
    digits = pc.replace_substring_regex(digits, r"^(?:00)?86(1\d{10})$", r"\1")
    length = pc.utf8_length(digits)
    long = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(digits, 0, 3), "****", pc.utf8_slice_codeunits(digits, -4, 1 << 30), ""
    )
    short = pc.binary_join_element_wise("****", pc.utf8_slice_codeunits(digits, -2, 1 << 30), "")
    masked = pc.if_else(pc.greater_equal(length, 7), long, short)
    return pc.if_else(pc.greater(length, 0), masked, pa.scalar(None, pa.string()))


def mask_names(values: pd.Series) -> pd.Series:
    """张三 -> 张*, 欧阳娜娜 -> 欧***: only the first character is kept (at most three stars)."""
    return _series(_masked_names(_arrow(values)), values.index)


def mask_phones(values: pd.Series) -> pd.Series:
    """13812345678 -> 138****5678 (+86 138 1234 5678 too); shorter numbers keep only their last two digits."""
    return _series(_masked_phones(_arrow(values)), values.index)


def contact_masked(names: pd.Series | None, phones: pd.Series | None, n: int) -> pd.Series:
    """One masked contact string per row, e.g. ``张* 138****5678``; NA when there is neither."""
    none = pa.nulls(n, pa.string())
    name_part = _masked_names(_arrow(names)) if names is not None else none
    phone_part = _masked_phones(_arrow(phones)) if phones is not None else none
    joined = pc.utf8_trim_whitespace(
        pc.binary_join_element_wise(pc.fill_null(name_part, ""), pc.fill_null(phone_part, ""), " ")
    )
    joined = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
    return _series(joined, pd.RangeIndex(n))
