"""The one masking rule (``core.privacy``): the scalar form (exports, popups) and the column form (the ETL) agree."""

from __future__ import annotations

import pandas as pd
import pytest

from core.privacy import contact_masked, mask_names, mask_phones, mask_text, mask_text_column

TEXTS = [
    ("电话13812345678", "电话138****5678"),
    ("13812345678、15900001111", "138****5678、159****1111"),
    ("工单号20240501123456789012", "工单号20240501123456789012"),  # a 20-digit number is neither
    ("座机0551-12345678", "座机0551-12345678"),
    ("身份证34010419900101123X。", "身份证340104********123X。"),
    ("ID:34010419900101123x", "ID:340104********123x"),
    ("12345热线", "12345热线"),
]


@pytest.mark.parametrize(("text", "masked"), TEXTS)
def test_mask_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_the_column_form_is_the_same_rule() -> None:
    column = pd.Series([text for text, _ in TEXTS] + [None])
    assert mask_text_column(column).tolist() == [masked for _, masked in TEXTS] + [pd.NA]


def test_names_phones_and_contacts() -> None:
    names = pd.Series(["张三", "欧阳娜娜", "李", " ", None])
    assert mask_names(names).tolist() == ["张*", "欧***", "李*", pd.NA, pd.NA]
    phones = pd.Series(["13812345678", "138-1234-5678", "110", None])
    assert mask_phones(phones).tolist() == ["138****5678", "138****5678", "****10", pd.NA]
    assert contact_masked(names.iloc[:2], phones.iloc[:2], 2).tolist() == ["张* 138****5678", "欧*** 138****5678"]
    assert contact_masked(None, None, 1).tolist() == [pd.NA]
