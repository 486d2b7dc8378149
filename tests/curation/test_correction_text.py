"""An operator's value for a correction written as text (the staff console's edited form), read by the corrections
service as a value of the correction's field."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation.corrections.service import value_from_text
from api.curation.corrections.values import CorrectionNotApplicable


async def test_text_is_read_as_a_value_of_the_field(session: AsyncSession) -> None:
    assert await value_from_text(session, "name", "  测试名称（测试数据） ") == "测试名称（测试数据）"
    assert await value_from_text(session, "phones", "021-64000000；021-64000001") == ["021-64000000", "021-64000001"]
    assert await value_from_text(session, "capacity", "１２０") == 120
    assert await value_from_text(session, "location", "31.19, 121.43") == {"lat": 31.19, "lng": 121.43}
    assert await value_from_text(session, "location", "31.19 121.43") == {"lat": 31.19, "lng": 121.43}
    assert await value_from_text(session, "attributes", '{"price_yuan": 12}') == {"price_yuan": 12}
    assert await value_from_text(session, "status", "archived") == "archived"
    assert await value_from_text(session, "category", "公共厕所") == "convenience.toilet"
    assert await value_from_text(session, "opening_hours", "Mo-Fr 08:30-17:00; PH off") == {
        "weekly": [{"days": [1, 2, 3, 4, 5], "opens": "08:30", "closes": "17:00"}],
        "exceptions": [],
        "on_holidays": "closed",
    }
    assert await value_from_text(session, "website", "   ") is None  # an empty field empties it


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("location", "31.19"),
        ("location", "north, east"),
        ("attributes", "{price"),
        ("capacity", "很多"),
        ("opening_hours", "工作日八点半到五点"),
    ],
)
async def test_text_that_is_no_value_of_the_field_is_refused_at_the_value(
    session: AsyncSession, field: str, text: str
) -> None:
    with pytest.raises(CorrectionNotApplicable) as refused:
        await value_from_text(session, field, text)
    assert [error["loc"] for error in refused.value.errors or []] == [["body", "value"]]
