"""Which operator references an organization may use: table-driven, no I/O."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.reference_rules import document_issues, per_organization, ref_problem
from domain.settings import Settings

OPERATOR = Settings(env_ref_prefixes="acme=ACME_, globex=GLOBEX_",
                    file_ref_dirs="acme=/srv/fp/acme")


@pytest.mark.parametrize("ref, organization, refused", [
    ({"env": "ACME_DB"}, "acme", None),
    ({"env": "DATABASE_URL"}, "acme", "only environment variables starting with 'ACME_'"),
    ({"env": "GLOBEX_DB"}, "acme", "starting with 'ACME_'"),
    ({"env": "ACME_DB"}, "initech", "may not reference environment variables"),
    ({"file": "/srv/fp/acme/db-password"}, "acme", None),
    ({"file": "/srv/fp/acme/../globex/db"}, "acme", "only files under /srv/fp/acme"),
    ({"file": "/proc/self/environ"}, "acme", "only files under"),
    ({"file": "db-password"}, "acme", "only files under"),  # relative: never
    ({"file": "/srv/fp/acme/x"}, "globex", "may not reference files"),
    ({"secret": "db-password"}, "initech", None),
    ({"k8sSecret": {"name": "db", "key": "pw"}}, "initech", None),
    ({"secret": {"name": "db", "key": "pw"}}, "initech", None),  # deprecated, still allowed
])
def test_operator_references_follow_the_per_organization_rules(
    ref: dict[str, object], organization: str, refused: str | None
) -> None:
    found = ref_problem(ref, organization, OPERATOR)
    assert (found and found[1]) if refused else found is None, found
    if refused:
        assert found is not None and refused in found[1]


def test_a_symlink_out_of_the_directory_is_refused(tmp_path: Path) -> None:
    allowed = tmp_path / "acme"
    allowed.mkdir()
    (allowed / "escape").symlink_to("/proc/self/environ")
    settings = Settings(file_ref_dirs=f"acme={allowed}")
    assert ref_problem({"file": str(allowed / "escape")}, "acme", settings) is not None
    (allowed / "pw").write_text("x")
    assert ref_problem({"file": str(allowed / "pw")}, "acme", settings) is None


def test_dev_mode_allows_operator_references_freely() -> None:
    dev = Settings(dev_mode=True)
    assert ref_problem({"env": "DATABASE_URL"}, "acme", dev) is None
    assert ref_problem({"file": "/proc/self/environ"}, "acme", dev) is None


def test_documents_report_each_refused_reference_at_its_path() -> None:
    workflow = {"spec": {"trigger": {"type": "webhook", "secretRef": {"env": "DATABASE_URL"}}}}
    [(loc, message)] = document_issues("Workflow", workflow, "acme")
    assert loc == ("spec", "trigger", "secretRef", "env") and "DATABASE_URL" in message
    assert document_issues("Environment", {"spec": {"image": "x"}}, "acme") == []


def test_per_organization_settings_parse_pairs() -> None:
    assert per_organization(" acme=ACME_ ,, globex=G_,bad") == {"acme": "ACME_", "globex": "G_"}
