"""Submitted screenings as FHIR Bulk Data NDJSON: one complete resource per line.

https://hl7.org/fhir/uv/bulkdata/ names a file per resource type; a download here is one file,
in one request, streamed as the screenings are read:

- without a type, a single mixed-type file (a deliberate choice: one request, one audit row, a
  file any NDJSON reader loads): first the definitions (the Questionnaire of every version the
  screenings need, the CodeSystems and ValueSets of their answers, the result code systems), then
  per screening its Patient, QuestionnaireResponse, Flags and Observations, in the Bundle's order;
- with a type (`Patient`, `Observation`, ...), only the lines of that type: the Bulk Data
  convention of one resource type per file, one download per type.

Each resource has an `id` unique in the file (its own, else its Bundle entry's UUID, the same at
every export: an earlier version's Questionnaire or CodeSystem whose own id the current one has
takes its UUID), and
references between them are relative (`Patient/<id>`), as in a server's Bulk Data output, instead
of the Bundle's `urn:uuid:` fullUrls. Canonical references (the response's Questionnaire, codings)
are unchanged. Lines are compact JSON (UTF-8, no line break inside), each ending with "\\n".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..models import Screening
from .bundle import compact_json, definition_entries, screening_entries

NDJSON_MIMETYPE = "application/fhir+ndjson"

# The resource types a download may hold, in the order they come in the mixed file.
RESOURCE_TYPES = (
    "Questionnaire",
    "CodeSystem",
    "ValueSet",
    "Patient",
    "QuestionnaireResponse",
    "Flag",
    "Observation",
)


def _identified(entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Each entry's resource with an `id`, and the relative reference of each entry's fullUrl."""
    resources, refs = [], {}
    for e in entries:
        resource = {"resourceType": e["resource"]["resourceType"], "id": e["uuid"]}
        resource.update(e["resource"])
        resources.append(resource)
        refs[f"urn:uuid:{e['uuid']}"] = f"{resource['resourceType']}/{resource['id']}"
    return resources, refs


def _relative(value: Any, refs: Mapping[str, str]) -> Any:
    """`value` with every Reference to an entry (`urn:uuid:`) made relative (`Type/id`)."""
    if isinstance(value, dict):
        out = {k: _relative(v, refs) for k, v in value.items()}
        target = out.get("reference")
        if isinstance(target, str) and target.startswith("urn:uuid:"):
            if target in refs:
                out["reference"] = refs[target]
            elif isinstance(out.get("type"), str):
                out["reference"] = f"{out['type']}/{target.removeprefix('urn:uuid:')}"
        return out
    if isinstance(value, list):
        return [_relative(v, refs) for v in value]
    return value


def definition_resources(versions: Iterable[str]) -> list[dict[str, Any]]:
    """The definitions the screenings of these questionnaire versions need, each with an id of
    its own in the file: its own id the first time (the current version's), its entry's UUID
    (from its canonical URL and version) when an earlier one of its type took that id."""
    entries = definition_entries(versions)
    resources, _refs = _identified(entries)
    seen: set[tuple[str, str]] = set()
    for resource, entry in zip(resources, entries, strict=True):
        key = (resource["resourceType"], resource["id"])
        if key in seen:
            resource["id"] = entry["uuid"]
            key = (resource["resourceType"], resource["id"])
        seen.add(key)
    return resources


def screening_resources(screening: Screening) -> list[dict[str, Any]]:
    """One screening's resources (Patient, QuestionnaireResponse, Flags, Observations), each
    with its id, references between them relative."""
    resources, refs = _identified(screening_entries(screening))
    return [_relative(r, refs) for r in resources]


def ndjson_lines(
    versions: Iterable[str], screenings: Iterable[Screening], resource_type: str | None = None
) -> Iterator[str]:
    """The NDJSON lines: the definitions, then each screening's resources as it is read; only
    those of `resource_type` when given."""

    def wanted(resource: Mapping[str, Any]) -> bool:
        return resource_type is None or resource["resourceType"] == resource_type

    if resource_type in (None, "Questionnaire", "CodeSystem", "ValueSet"):
        for resource in definition_resources(versions):
            if wanted(resource):
                yield compact_json(resource) + "\n"
    if resource_type in ("Questionnaire", "CodeSystem", "ValueSet"):
        return  # no need to read the screenings
    for screening in screenings:
        for resource in screening_resources(screening):
            if wanted(resource):
                yield compact_json(resource) + "\n"
