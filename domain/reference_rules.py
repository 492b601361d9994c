"""Which secret references an organization may use, checked when a resource or workflow is
created, synced or validated (and again when a reference resolves).

- `{secret: NAME}`: the organization's own store; always allowed.
- `{k8sSecret: {name, key}}`: a Secret in the organization's namespace; always allowed.
- `{env: X}` / `{file: X}`: operator-provided values, only where the operator allows them
  for that organization: env names under its prefix (FLOWPLANE_ENV_REF_PREFIXES, e.g.
  `acme=ACME_`), files under its directory (FLOWPLANE_FILE_REF_DIRS, e.g.
  `acme=/srv/flowplane/acme`). `flowplane dev` allows both freely.
- `{secret: {name, key}}`: the deprecated mounted-file form; allowed for one more release,
  with a warning.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from domain.settings import Settings, get_settings

Issue = tuple[tuple[str | int, ...], str]
ENV_SETTING, FILE_SETTING = "FLOWPLANE_ENV_REF_PREFIXES", "FLOWPLANE_FILE_REF_DIRS"
DEPRECATED = ("{secret: {name, key}} (a file under FLOWPLANE_SECRETS_DIR) is deprecated and "
              "goes in the next release: store the value with setSecret / `flowplane secret "
              "set` and write {secret: NAME}, or use {k8sSecret: {name, key}}")
# Where documents and resource specs carry references: (kind, path to the reference).
REFERENCE_FIELDS = {
    "DataSource": ("spec", "passwordRef"),
    "AddOn": ("spec", "credentialsRef"),
    "Model": ("spec", "apiKeyRef"),
    "Workflow": ("spec", "trigger", "secretRef"),
}


def per_organization(text: str) -> dict[str, str]:
    """`slug=value,slug=value` as a dict (blank entries ignored)."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {slug.strip(): value.strip() for slug, value in pairs if slug.strip()}


def _inside(path: str, directory: str) -> bool:
    real, root = os.path.realpath(path), os.path.realpath(directory)
    return os.path.isabs(path) and os.path.commonpath([real, root]) == root


def env_problem(name: str, organization: str, settings: Settings) -> str | None:
    prefix = per_organization(settings.env_ref_prefixes).get(organization)
    if prefix is None:
        return (f"{{env: {name}}} is refused: organization {organization} may not reference "
                f"environment variables (the operator allows them per organization with "
                f"{ENV_SETTING}); store the value with setSecret and write {{secret: NAME}}")
    if not prefix or not name.startswith(prefix):
        return (f"{{env: {name}}} is refused: organization {organization} may reference only "
                f"environment variables starting with {prefix!r} ({ENV_SETTING})")
    return None


def file_problem(path: str, organization: str, settings: Settings) -> str | None:
    directory = per_organization(settings.file_ref_dirs).get(organization)
    if directory is None:
        return (f"{{file: {path}}} is refused: organization {organization} may not reference "
                f"files (the operator allows a directory per organization with "
                f"{FILE_SETTING}); store the value with setSecret and write {{secret: NAME}}")
    if not directory or not _inside(path, directory):
        return (f"{{file: {path}}} is refused: organization {organization} may reference only "
                f"files under {directory} ({FILE_SETTING})")
    return None


def ref_problem(ref: Mapping[str, Any], organization: str,
                settings: Settings | None = None) -> tuple[str, str] | None:
    """(the reference's key, why it is refused) for a reference the organization may not use
    (Any: the reference as JSON); None when it may."""
    chosen = settings or get_settings()
    if chosen.dev_mode:
        return None
    if ref.get("env") is not None:
        problem = env_problem(str(ref["env"]), organization, chosen)
        return None if problem is None else ("env", problem)
    if ref.get("file") is not None:
        problem = file_problem(str(ref["file"]), organization, chosen)
        return None if problem is None else ("file", problem)
    return None


def is_deprecated(ref: Mapping[str, Any]) -> bool:
    return isinstance(ref.get("secret"), Mapping)


def _at(data: Any, path: tuple[str, ...]) -> Any:  # Any: raw document values
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def document_refs(kind: str, data: Mapping[str, Any]) -> Iterator[
        tuple[tuple[str, ...], Mapping[str, Any]]]:
    """(path, reference) of the references in a document (Any: its JSON)."""
    path = REFERENCE_FIELDS.get(kind)
    ref = None if path is None else _at(data, path)
    if path is not None and isinstance(ref, Mapping):
        yield path, ref


def document_issues(kind: str, data: Mapping[str, Any], organization: str) -> list[Issue]:
    """The refused references of a document, at their paths (Any: the document's JSON)."""
    issues: list[Issue] = []
    for path, ref in document_refs(kind, data):
        found = ref_problem(ref, organization)
        if found is not None:
            issues.append(((*path, found[0]), found[1]))
    return issues
