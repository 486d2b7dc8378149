"""The columns of an import file (and of an export): English keys, and the Chinese headings district offices use.

A heading is matched after trimming and ignoring case, so `Name`, ` name ` and `名称` all name the `name` column.
"""

from dataclasses import dataclass

from api.errors import AppError


class MissingColumns(AppError):
    status, code, title = 422, "missing_columns", "The file lacks required columns"


class DuplicateColumns(AppError):
    status, code, title = 422, "duplicate_columns", "The file names the same column twice"


@dataclass(frozen=True)
class Column:
    key: str
    aliases: tuple[str, ...]
    required: bool = False


# In the export's order (a re-import reads them back by heading, so the order is only for people).
COLUMNS = (
    Column("source_id", ("编号", "原编号", "机构编号")),
    Column("name", ("名称", "机构名称", "场所名称"), required=True),
    Column("category", ("类别", "分类", "类别代码"), required=True),
    Column("district", ("区", "所属区", "区县"), required=True),
    Column("street", ("街镇", "街道", "街道镇", "街道/镇")),
    Column("address", ("地址", "详细地址"), required=True),
    Column("lat", ("纬度",)),
    Column("lng", ("经度",)),
    Column("coord", ("坐标系",)),
    Column("phone", ("电话", "联系电话")),
    Column("opening_hours", ("开放时间", "营业时间")),
    Column("accessibility", ("无障碍", "无障碍设施")),
    Column("languages", ("语言",)),
    Column("tags", ("标签",)),
    Column("capacity", ("容量", "总数")),
    Column("available", ("空余", "空余数")),
    Column("name_en", ("英文名称",)),
    Column("address_en", ("英文地址",)),
    Column("website", ("网站", "网址")),
    Column("description", ("简介", "说明")),
    Column("attributes", ("属性",)),
)
KEYS = tuple(column.key for column in COLUMNS)
REQUIRED = tuple(column.key for column in COLUMNS if column.required)
_BY_HEADING = {name.casefold(): column.key for column in COLUMNS for name in (column.key, *column.aliases)}


@dataclass(frozen=True)
class HeaderMatch:
    """Where each known column is (`positions[key]` is its index in a row), what each is called in the file, and
    the headings that name no column (index, heading): ignored, with a warning."""

    positions: dict[str, int]
    headings: dict[str, str]
    unknown: list[tuple[int, str]]


def column_key(heading: str) -> str | None:
    return _BY_HEADING.get(heading.strip().casefold())


def match_header(header: list[str]) -> HeaderMatch:
    """422 `missing_columns` when a required column is absent, `duplicate_columns` when one is named twice."""
    positions: dict[str, int] = {}
    headings: dict[str, str] = {}
    unknown: list[tuple[int, str]] = []
    duplicates: list[dict[str, object]] = []
    for index, heading in enumerate(header):
        if not heading.strip():
            continue
        key = column_key(heading)
        if key is None:
            unknown.append((index, heading))
        elif key in positions:
            duplicates.append(
                {"loc": ["file", "header", heading], "msg": f"names {key} again", "type": "duplicate_column"}
            )
        else:
            positions[key] = index
            headings[key] = heading
    if duplicates:
        raise DuplicateColumns("each column may be named once", errors=duplicates)
    if missing := [key for key in REQUIRED if key not in positions]:
        raise MissingColumns(
            "the header row must name " + ", ".join(missing),
            errors=[
                {"loc": ["file", "header", key], "msg": f"required column ({_aliases(key)})", "type": "missing_column"}
                for key in missing
            ],
        )
    return HeaderMatch(positions, headings, unknown)


def _aliases(key: str) -> str:
    column = next(column for column in COLUMNS if column.key == key)
    return " or ".join((column.key, *column.aliases))
