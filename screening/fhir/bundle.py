"""Bundles of submitted screenings: a transaction a FHIR server imports as-is, and a collection
for file exchange. Both hold the same resources under the same `urn:uuid:` fullUrls.

- The Questionnaire of every version the screenings were answered under (the current one
  always), the CodeSystems and ValueSets of its answers (`terminology`) and the result code
  systems (`results.code_systems`): conditional updates by canonical URL and version
  (`PUT Questionnaire?url=...&version=...`), so a server keeps one copy of each.
- Per screening: its Patient, its QuestionnaireResponse, its red flags (Flag), comparisons and
  points to discuss (Observation), each a conditional create (`POST` with `ifNoneExist:
  identifier=system|value`), so importing the same screening twice creates nothing new.

Every fullUrl is `urn:uuid:` + uuid5 of the resource's type and identifier (the same at every
export), and references between entries use those fullUrls, which a server replaces with the
resources it created or found (https://hl7.org/fhir/R4/http.html#trules). In the transaction,
resources carry no `id` (the server assigns them); in the collection, a resource without one gets
its entry's UUID.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from .. import questionnaire, releases
from ..models import Screening
from . import terminology
from .patient import entry_uuid, fhir_patient, search_condition
from .questionnaire import fhir_questionnaire
from .response import fhir_questionnaire_response
from .results import code_systems, fhir_results


def _terminology(definition: Any) -> list[dict[str, Any]]:
    """The CodeSystems and ValueSets a version's Questionnaire uses (the terminology module's)."""
    make = getattr(terminology, "terminology_resources", None)
    return list(make(definition)) if make is not None else []


def _canonical(resource_type: str, resource: Mapping[str, Any]) -> dict[str, Any]:
    """A definition (Questionnaire, CodeSystem) updated by its canonical URL and version."""
    url, version = str(resource["url"]), str(resource["version"])
    ident = {"system": url, "value": version}
    query = f"url={quote(url, safe=':/')}&version={quote(version, safe='')}"
    return {
        "uuid": entry_uuid(resource_type, ident),
        "resource": dict(resource),
        "request": {"method": "PUT", "url": f"{resource_type}?{query}"},
    }


def _created(resource: Mapping[str, Any]) -> dict[str, Any]:
    """A resource created only when none with its identifier exists."""
    kind = str(resource["resourceType"])
    ident = resource["identifier"]
    ident = ident[0] if isinstance(ident, list) else ident
    return {
        "uuid": entry_uuid(kind, ident),
        "resource": dict(resource),
        "request": {"method": "POST", "url": kind, "ifNoneExist": search_condition(ident)},
    }


def versions_of(screenings: Iterable[Screening]) -> list[str]:
    """The current questionnaire version, then each other version these screenings were
    answered under (each once, in order)."""
    return list(
        dict.fromkeys(
            [questionnaire.QUESTIONNAIRE_VERSION, *(s.questionnaire_version for s in screenings)]
        )
    )


def definition_entries(versions: Iterable[str]) -> list[dict[str, Any]]:
    """The entries of the definitions: the Questionnaire of each version (the current one
    first), then the CodeSystems and ValueSets they use and the result code systems."""
    versions = list(dict.fromkeys([questionnaire.QUESTIONNAIRE_VERSION, *versions]))
    entries = [
        _canonical("Questionnaire", fhir_questionnaire(releases.of(v).questionnaire))
        for v in versions
    ]
    definitions: dict[tuple[str, str, str], dict[str, Any]] = {}
    for v in versions:
        for resource in _terminology(releases.of(v).questionnaire):
            key = (resource["resourceType"], resource["url"], resource["version"])
            definitions.setdefault(key, resource)
    for resource in code_systems():
        definitions.setdefault(
            (resource["resourceType"], resource["url"], resource["version"]), resource
        )
    entries += [_canonical(str(r["resourceType"]), r) for r in definitions.values()]
    return entries


def screening_entries(screening: Screening) -> list[dict[str, Any]]:
    """The entries of one screening: its Patient, QuestionnaireResponse and results."""
    return [
        _created(fhir_patient(screening)),
        _created(fhir_questionnaire_response(screening)),
        *(_created(r) for r in fhir_results(screening)),
    ]


def _entries(screenings: Sequence[Screening]) -> list[dict[str, Any]]:
    # The current Questionnaire, and each earlier version a screening here was answered under.
    entries = definition_entries(versions_of(screenings))
    for s in screenings:
        entries += screening_entries(s)
    return entries


def _bundle(kind: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "entry": entries,
    }


def transaction_entry(e: Mapping[str, Any]) -> dict[str, Any]:
    """An entry of the transaction Bundle: no `id` (the server assigns it), with its request."""
    resource = {k: v for k, v in e["resource"].items() if k != "id"}
    return {"fullUrl": f"urn:uuid:{e['uuid']}", "resource": resource, "request": e["request"]}


def collection_entry(e: Mapping[str, Any]) -> dict[str, Any]:
    """An entry of the collection Bundle: a resource without an `id` gets its entry's UUID."""
    resource = {"resourceType": e["resource"]["resourceType"], "id": e["uuid"]}
    resource.update(e["resource"])
    return {"fullUrl": f"urn:uuid:{e['uuid']}", "resource": resource}


def fhir_transaction_bundle(screenings: Sequence[Screening]) -> dict[str, Any]:
    """A transaction Bundle a FHIR server imports as-is (POST it to the server's base): the
    Questionnaires and code systems by conditional update, then per screening its Patient,
    QuestionnaireResponse and results, each created only if its identifier is not there yet."""
    return _bundle("transaction", [transaction_entry(e) for e in _entries(screenings)])


def fhir_collection_bundle(screenings: Sequence[Screening]) -> dict[str, Any]:
    """A collection Bundle of the same resources, for file exchange (no requests)."""
    return _bundle("collection", [collection_entry(e) for e in _entries(screenings)])


def bundle_json_chunks(
    versions: Iterable[str], screenings: Iterable[Screening], *, collection: bool = False
) -> Iterator[str]:
    """The same Bundle as `fhir_transaction_bundle` (or the collection) as compact JSON text,
    produced entry by entry: the screenings are read one at a time as the text is consumed, so
    the whole Bundle is never held in memory. `versions`: the questionnaire versions of the
    screenings (see `versions_of`), whose definitions come first."""
    make = collection_entry if collection else transaction_entry
    head = compact_json(_bundle("collection" if collection else "transaction", []))
    yield head[: -len("[]}")] + "["  # '{"resourceType":"Bundle",...,"entry":['
    first = True
    for e in definition_entries(versions):
        yield ("" if first else ",") + compact_json(make(e))
        first = False
    for s in screenings:
        for e in screening_entries(s):
            yield ("" if first else ",") + compact_json(make(e))
            first = False
    yield "]}\n"


def fhir_bundle(screenings: Sequence[Screening], *, collection: bool = True) -> dict[str, Any]:
    """The collection Bundle (as before), or the transaction Bundle with collection=False."""
    if collection:
        return fhir_collection_bundle(screenings)
    return fhir_transaction_bundle(screenings)


def json_text(resource: Mapping[str, Any]) -> str:
    """A resource as pretty JSON text."""
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


def compact_json(resource: Any) -> str:
    """A resource as compact JSON text on one line (the C encoder: no indent)."""
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
