"""The one masking rule (``core.privacy``): a table of the forms people write, what must be masked and what must
not; the scalar form (exports, popups) and the column form (the ETL) agree."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from core.privacy import (
    SUSPECT,
    contact_masked,
    mask_names,
    mask_phones,
    mask_record,
    mask_text,
    mask_text_column,
)

#: (text, masked): personal numbers and names in the forms people write them.
MASKED = [
    # mobile numbers
    ("电话13812345678", "电话138****5678"),
    ("13812345678、15900001111", "138****5678、159****1111"),
    ("138-1234-5678", "138-****-5678"),
    ("138 1234 5678", "138 **** 5678"),
    ("+86 139 1234 5678", "+86 139 **** 5678"),
    ("+86-139-1234-5678", "+86-139-****-5678"),
    ("8613812345678", "86138****5678"),
    ("+8613812345678", "+86138****5678"),
    ("(+86)13812345678", "(+86)138****5678"),
    ("0086 13812345678", "0086 138****5678"),
    # landlines
    ("座机0551-65123456", "座机0551-****3456"),
    ("(0551)6512 3456", "(0551)**** 3456"),
    ("（0551）65123456转801", "（0551）****3456转801"),
    ("0551-65123456-801", "0551-****3456-801"),
    ("010-62345678", "010-****5678"),
    ("物业电话65123456", "物业电话****3456"),
    # ID numbers (18 characters, X as the check character)
    ("身份证34010419900101123X。", "身份证340104********123X。"),
    ("ID:34010419900101123x", "ID:340104********123x"),
    ("340104 19900101 123X", "340104 ******** 123X"),
    ("身份证号340104199001011230", "身份证号340104********1230"),  # a wrong check digit is still an ID number
    # bank cards
    ("银行卡6222021234567890123", "银行卡6222***********0123"),
    ("卡号：6217 0012 3456 7890", "卡号：6217 **** **** 7890"),
    ("6222 0212 3456 7890 123", "6222 **** **** ***0 123"),
    ("账号6217001234567891", "账号6217********7891"),
    # names next to a phone number or after a label that introduces a person
    ("联系人：张建国，电话0551-65123456", "联系人：张**，电话0551-****3456"),
    ("联系人张三反映", "联系人张*反映"),
    ("来电人王秀英称小区噪声大", "来电人王**称小区噪声大"),
    ("市民张三来电反映", "市民张*来电反映"),
    ("张三 13812345678", "张* 138****5678"),
    ("张三13812345678", "张*138****5678"),
    ("李四电话13912345678", "李*电话139****5678"),
    ("已回访戴诗琪，电话(0555)6512 3493", "已回访戴**，电话(0555)**** 3493"),
    ("要求退还押金，银行卡号6214021234567897，持卡人万梓涵", "要求退还押金，银行卡号6214********7897，持卡人万**"),
    ("姓名：欧阳娜娜", "姓名：欧***"),
    ("已电话联系当事人刘德明（13912345678），告知处理结果", "已电话联系当事人刘**（139****5678），告知处理结果"),
    # an address keeps the place (and the room) and loses the person
    (
        "合肥市蜀山区长江西路1108号翡翠小区5栋302室 王建国 13912345678",
        "合肥市蜀山区长江西路1108号翡翠小区5栋302室 王** 139****5678",
    ),
]

#: Texts that hold no personal data and must come back unchanged: case ids, dates, amounts, coordinates, rooms.
KEPT = [
    "工单号20240501123456789012",  # a 20-digit number is neither
    "工单号340104202405010001",  # looks like an ID number, but follows a work-order label
    "原工单号340121202608024465",
    "关联工单340104199001011234",  # a valid ID number's shape and check digit, after a work-order label
    "RX202605120000123",
    "GJ2026051200000123",
    "12345热线",
    "请拨打12345",
    "2026-05-12 14:30",
    "2026年5月12日上午9时",
    "罚款2000元，金额12345.60元",
    "坐标117.2345678,31.8765432",
    "东经117.2345678°，北纬31.8765432°",
    "长江西路1108号5栋302室",
    "3单元1201室",
    "6217001234567891",  # 16 digits failing Luhn, ungrouped, unlabelled: an identifier
    "座机0551-12345678",  # no local number starts with 1
    "市民来电反映",
    "市民文明素质有待提高",
    "业主王女士",
    "居民李某反映",
    "业主方面同意",
    "联系方式13812345678".replace("13812345678", ""),  # a label alone
    "门卫室电话",
    "约1500平方米",
    "第13812345678.5号",  # a decimal
]


@pytest.mark.parametrize(("text", "masked"), MASKED)
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", KEPT)
def test_everything_else_is_kept(text: str) -> None:
    assert mask_text(text) == text


def test_masking_is_idempotent() -> None:
    for text, masked in MASKED:
        assert mask_text(masked) == masked, text


def test_every_masked_text_is_suspect() -> None:
    # the column form searches only texts matching SUSPECT (in Arrow, RE2): none of the forms may slip past it
    for text, _ in MASKED:
        assert re.search(SUSPECT, text), text


def test_the_column_form_is_the_same_rule() -> None:
    texts = [text for text, _ in MASKED] + KEPT
    column = pd.Series([*texts, None])
    assert mask_text_column(column).tolist() == [masked for _, masked in MASKED] + KEPT + [pd.NA]


def test_names_phones_and_contacts() -> None:
    names = pd.Series(["张三", "欧阳娜娜", "李", " ", None])
    assert mask_names(names).tolist() == ["张*", "欧***", "李*", pd.NA, pd.NA]
    phones = pd.Series(["13812345678", "138-1234-5678", "+86 138 1234 5678", "8613812345678", "110", None])
    assert mask_phones(phones).tolist() == [
        "138****5678",
        "138****5678",
        "138****5678",
        "138****5678",
        "****10",
        pd.NA,
    ]
    assert contact_masked(names.iloc[:2], phones.iloc[:2], 2).tolist() == ["张* 138****5678", "欧*** 138****5678"]
    assert contact_masked(None, None, 1).tolist() == [pd.NA]


def test_a_source_row_keeps_its_identifiers_and_loses_the_person() -> None:
    record = {
        "工单号": "6217001234567890",  # an id that passes Luhn: kept, it is a mapped identifier
        "联系人": "张三",
        "联系电话": "+86 138 1234 5678",
        "事件描述": "市民王建国来电，电话13912345678",
        "备用电话": "13712345678",  # an unmapped column: free text, masked
        "上报时间": "2026-05-12 14:30:00",
        "经度": None,
    }
    fields = {
        "工单号": "source_id",
        "联系人": "contact_name",
        "联系电话": "contact_phone",
        "事件描述": "description",
        "上报时间": "reported_at",
        "经度": "x",
    }
    assert mask_record(record, fields) == {
        "工单号": "6217001234567890",
        "联系人": "张*",
        "联系电话": "138****5678",
        "事件描述": "市民王**来电，电话139****5678",
        "备用电话": "137****5678",
        "上报时间": "2026-05-12 14:30:00",
        "经度": None,
    }
