"""The screen that lets most pseudonyms skip the identifier patterns lets no identifier by."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.privacy import BARE_RECORD_NUMBER_PATTERN, HARMLESS_CODE_PATTERN, VALUE_PATTERNS


@settings(max_examples=500)
@given(code=st.from_regex(HARMLESS_CODE_PATTERN, fullmatch=True))
def test_a_harmless_code_matches_no_identifier_pattern(code: str) -> None:
    lowered = code.lower()
    assert not any(re.search(pattern, lowered) for pattern in VALUE_PATTERNS.values()), code
    assert not re.search(BARE_RECORD_NUMBER_PATTERN, lowered), code


def test_registry_and_study_codes_are_harmless_codes() -> None:
    for code in ("P0", "P9999999", "s12", "BENCH-0", "SYN_1", "abc-1234"):
        assert re.fullmatch(HARMLESS_CODE_PATTERN, code), code
    for code in ("12345678", "MRN12345", "hosp-12345", "a1-2-3", "x.jpg", "2024-03-02"):
        assert not re.fullmatch(HARMLESS_CODE_PATTERN, code), code
