"""The committed FHIR profile (src/sentinel/api/fhir/profile/) is exactly what SUSHI compiles
from the committed FSH (fhir/): ``scripts/fhir-profile`` runs SUSHI offline on the R4 core
package ``make setup`` assembled, into a temporary directory, and the two are compared file by
file. Edit the FSH, run ``make fhir-profile``, commit both. One SUSHI run (about 10 s)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sentinel.api.fhir.published import PROFILE_DIR

ROOT = Path(__file__).resolve().parents[2]


def _files(directory: Path) -> dict[str, object]:
    return {
        str(path.relative_to(directory)): json.loads(path.read_text())
        for path in sorted(directory.rglob("*.json"))
    }


def test_the_committed_profile_is_what_sushi_compiles_from_the_fsh(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own build script, fixed arguments
        [str(ROOT / "scripts" / "fhir-profile"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == "", result.stderr  # no SUSHI warning or error beyond the offline ones
    compiled, committed = _files(tmp_path), _files(PROFILE_DIR)
    assert sorted(compiled) == sorted(committed)
    for name, resource in compiled.items():
        assert resource == committed[name], f"{name} differs: run make fhir-profile and commit"
