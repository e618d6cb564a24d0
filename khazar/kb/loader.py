"""Load and validate the knowledge-base entity files (format: docs/kb.md).

Entity files are chosen by *name*, not by sniffing their content, so that a record that lost its
``type`` by mistake is reported instead of silently skipped: a ``*.yaml`` file in the data folder is
an entity file when its stem is one of ``ENTITY_FILE_STEMS`` or starts with one of them followed by
``_`` (``places_caspian``, ``people_mps``), and does not end in ``_overrides`` (override files are
inputs of ``build_places``, not records). Everything else there (titles, time words, ...) belongs
to other modules and is ignored here.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import yaml

from khazar.kb.files import DATA_DIR, YAML_LOADER

ENTITY_FILE_STEMS = ("places", "countries", "iran_places", "organisations", "outlets", "people")

TYPES = ("PER", "ORG", "LOC")
KINDS_BY_TYPE: Mapping[str, frozenset[str]] = MappingProxyType({
    "LOC": frozenset({"country", "province", "city", "region", "sea", "island", "port", "district",
                      "continent", "free-zone"}),
    "ORG": frozenset({"ministry", "agency", "parliament", "committee", "governorate", "outlet",
                      "intl-org", "company", "party", "military", "court", "embassy", "other"}),
    "PER": frozenset({"person"}),
})
# Which id prefix may carry which type: outlets are ORGs with their own prefix so that outlet
# detection can tell them apart without looking at ``kind``.
TYPE_BY_ID_PREFIX = MappingProxyType({"loc": "LOC", "org": "ORG", "out": "ORG", "per": "PER"})
_ID_PATTERN = re.compile(r"^(loc|org|per|out):[a-z0-9]+(?:-[a-z0-9]+)*$")
_COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")

REQUIRED_FIELDS = ("id", "type", "kind", "name", "source")
ALLOWED_FIELDS = frozenset({
    "id", "type", "kind", "name", "name_en", "aliases", "aliases_en", "country", "parent", "coords",
    "roles", "weak_aliases", "ambiguous", "domains", "source",
})


class KBValidationError(ValueError):
    """A KB record or file breaks the format; the message names the file and the record id."""


@dataclass(frozen=True, eq=False)
class KBRecord:
    id: str
    type: str
    kind: str
    name: str
    source: str
    name_en: str | None = None
    aliases: tuple[str, ...] = ()
    aliases_en: tuple[str, ...] = ()
    country: str | None = None
    parent: str | None = None
    coords: tuple[float, float] | None = None
    # Kept as read-only mappings: the role schema is interpreted by kb/roles.py, not here.
    roles: tuple[Mapping[str, Any], ...] = ()
    weak_aliases: tuple[str, ...] = ()
    ambiguous: bool = False
    domains: tuple[str, ...] = ()
    file: str = field(default="", compare=False)

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """Persian name followed by its aliases (weak aliases excluded)."""
        return (self.name, *self.aliases)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KBRecord) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


class KnowledgeBase:
    def __init__(self, records: Iterable[KBRecord]):
        self.records: tuple[KBRecord, ...] = tuple(records)
        self._by_id = {record.id: record for record in self.records}
        by_type: dict[str, list[KBRecord]] = {t: [] for t in TYPES}
        for record in self.records:
            by_type[record.type].append(record)
        self._by_type = {t: tuple(rs) for t, rs in by_type.items()}

    def get(self, record_id: str) -> KBRecord | None:
        return self._by_id.get(record_id)

    def __getitem__(self, record_id: str) -> KBRecord:
        return self._by_id[record_id]

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._by_id

    def __len__(self) -> int:
        return len(self.records)

    def by_type(self, record_type: str) -> tuple[KBRecord, ...]:
        if record_type not in self._by_type:
            raise ValueError(f"unknown KB type {record_type!r}; expected one of {TYPES}")
        return self._by_type[record_type]

    def children(self, parent_id: str) -> tuple[KBRecord, ...]:
        return tuple(r for r in self.records if r.parent == parent_id)


def is_entity_file(path: Path) -> bool:
    stem = path.stem
    if path.suffix != ".yaml" or stem.endswith("_overrides"):
        return False
    return any(stem == s or stem.startswith(s + "_") for s in ENTITY_FILE_STEMS)


def entity_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in Path(data_dir).iterdir() if is_entity_file(p))


def read_yaml_records(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.split("\n") if not line.startswith("#")).lstrip()
    content: Any = None
    if body.startswith("["):
        # Generated files are written as JSON (which is also YAML): parsing them with json is
        # ~50x faster than libyaml and keeps load_kb() well under a second.
        try:
            content = json.loads(body)
        except json.JSONDecodeError:
            content = None
    if content is None:
        try:
            content = yaml.load(text, Loader=YAML_LOADER)
        except yaml.YAMLError as exc:
            raise KBValidationError(f"{path.name}: not valid YAML: {exc}") from exc
    if content is None:
        return []
    if not isinstance(content, list):
        raise KBValidationError(f"{path.name}: must be a YAML list of records, got {type(content).__name__}")
    return content


def _string_tuple(raw: Any, field_name: str, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        raise KBValidationError(f"{where}: '{field_name}' must be a list of non-empty strings, got {raw!r}")
    return tuple(x.strip() for x in raw)


def _optional_string(raw: Any, field_name: str, where: str) -> str | None:
    if raw is None:
        return None
    return _required_string(raw, field_name, where)


def _required_string(raw: Any, field_name: str, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise KBValidationError(f"{where}: '{field_name}' must be a non-empty string, got {raw!r}")
    return raw.strip()


def parse_record(raw: Any, file_name: str, position: int) -> KBRecord:
    """Validate one raw YAML mapping and turn it into a KBRecord (raises KBValidationError)."""
    if not isinstance(raw, dict):
        raise KBValidationError(f"{file_name}: record #{position} is not a mapping: {raw!r}")
    record_id = raw.get("id")
    where = f"{file_name}: record {record_id!r}" if record_id else f"{file_name}: record #{position}"
    missing = [f for f in REQUIRED_FIELDS if raw.get(f) in (None, "")]
    if missing:
        raise KBValidationError(f"{where}: missing required field(s) {', '.join(missing)}")
    unknown = sorted(set(raw) - ALLOWED_FIELDS)
    if unknown:
        raise KBValidationError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {sorted(ALLOWED_FIELDS)}")
    if not isinstance(record_id, str) or not _ID_PATTERN.match(record_id):
        raise KBValidationError(f"{where}: id must look like 'loc:ascii-slug' (prefix loc|org|per|out)")
    record_type = raw["type"]
    if record_type not in TYPES:
        raise KBValidationError(f"{where}: unknown type {record_type!r}; expected one of {TYPES}")
    if TYPE_BY_ID_PREFIX[record_id.split(":", 1)[0]] != record_type:
        raise KBValidationError(f"{where}: id prefix does not fit type {record_type}")
    kind = raw["kind"]
    if kind not in KINDS_BY_TYPE[record_type]:
        raise KBValidationError(
            f"{where}: unknown kind {kind!r} for type {record_type}; expected one of {sorted(KINDS_BY_TYPE[record_type])}")
    name = _required_string(raw["name"], "name", where)
    source = _required_string(raw["source"], "source", where)
    country = _optional_string(raw.get("country"), "country", where)
    if country is not None and not _COUNTRY_PATTERN.match(country):
        raise KBValidationError(f"{where}: country must be an ISO 3166-1 alpha-2 code, got {country!r}")
    parent = _optional_string(raw.get("parent"), "parent", where)
    if parent is not None and not _ID_PATTERN.match(parent):
        raise KBValidationError(f"{where}: parent {parent!r} is not a KB id")
    coords = raw.get("coords")
    if coords is not None:
        if record_type != "LOC":
            raise KBValidationError(f"{where}: coords are for LOC records only")
        if (not isinstance(coords, list) or len(coords) != 2
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords)
                or not (-90 <= coords[0] <= 90 and -180 <= coords[1] <= 180)):
            raise KBValidationError(f"{where}: coords must be [lat, lon] in degrees, got {coords!r}")
        coords = (float(coords[0]), float(coords[1]))
    roles = raw.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, dict) and r.get("title") for r in roles):
        raise KBValidationError(f"{where}: roles must be a list of mappings each with a 'title'")
    ambiguous = raw.get("ambiguous", False)
    if not isinstance(ambiguous, bool):
        raise KBValidationError(f"{where}: ambiguous must be true or false, got {ambiguous!r}")
    return KBRecord(
        id=record_id, type=record_type, kind=kind, name=name, source=source,
        name_en=_optional_string(raw.get("name_en"), "name_en", where),
        aliases=_string_tuple(raw.get("aliases"), "aliases", where),
        aliases_en=_string_tuple(raw.get("aliases_en"), "aliases_en", where),
        country=country, parent=parent, coords=coords,
        roles=tuple(MappingProxyType(dict(r)) for r in roles),
        weak_aliases=_string_tuple(raw.get("weak_aliases"), "weak_aliases", where),
        ambiguous=ambiguous,
        domains=_string_tuple(raw.get("domains"), "domains", where),
        file=file_name,
    )


def load_records(paths: Iterable[Path]) -> list[KBRecord]:
    records: list[KBRecord] = []
    first_file_of: dict[str, str] = {}
    for path in paths:
        for position, raw in enumerate(read_yaml_records(path), start=1):
            record = parse_record(raw, path.name, position)
            if record.id in first_file_of:
                raise KBValidationError(
                    f"{path.name}: record {record.id!r}: duplicate id (already defined in {first_file_of[record.id]})")
            first_file_of[record.id] = path.name
            records.append(record)
    for record in records:
        if record.parent is not None and record.parent not in first_file_of:
            raise KBValidationError(f"{record.file}: record {record.id!r}: parent {record.parent!r} is not in the KB")
    return records


def _load(data_dir: Path) -> KnowledgeBase:
    return KnowledgeBase(load_records(entity_files(data_dir)))


@functools.lru_cache(maxsize=1)
def _load_default() -> KnowledgeBase:
    return _load(DATA_DIR)


def load_kb(data_dir: str | Path | None = None) -> KnowledgeBase:
    """Load every entity file of ``data_dir`` (default: the package's data folder, cached)."""
    if data_dir is None or Path(data_dir).resolve() == DATA_DIR:
        return _load_default()
    return _load(Path(data_dir))
