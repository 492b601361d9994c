"""Desired state: the documents of a commit, per kind and name, plus every per-file error.

A file with any error is *invalid* as a whole: none of its documents is applied and whatever it
described keeps its last good state (the planner holds rows whose source is that file). Parsed
files are cached by (path, blob id), so a resync parses only the blobs that changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from domain.spec.definition import WorkflowDefinition
from domain.spec.errors import SpecError
from domain.spec.loader import LoadedDocument, LoadResult, load_text
from domain.spec.model import WorkflowDocument
from sync.code_files import inline_code_files
from sync.git import TreeFile, list_files, read_blobs

Key = tuple[str, str]  # (kind, name)


@dataclass(frozen=True)
class DesiredWorkflow:
    name: str
    path: str
    line: int
    document: WorkflowDocument
    definition: WorkflowDefinition
    content_hash: str  # of the definition (the versioned part)

    @property
    def state(self) -> str:
        return self.document.spec.state


@dataclass(frozen=True)
class DesiredResource:
    kind: str
    name: str
    path: str
    loaded: LoadedDocument


@dataclass
class DesiredState:
    commit: str
    files: dict[str, str] = field(default_factory=dict)  # path -> blob id
    workflows: dict[str, DesiredWorkflow] = field(default_factory=dict)
    resources: dict[Key, DesiredResource] = field(default_factory=dict)
    errors: list[SpecError] = field(default_factory=list)
    invalid_paths: set[str] = field(default_factory=set)
    # Documents named in invalid files: they keep their last good state.
    held: set[Key] = field(default_factory=set)
    parsed: int = 0  # files parsed in this run (the rest came from the cache)


class ParseCache:
    """LoadResults by (path, blob id); keeps only the entries of the last tree it served."""

    def __init__(self) -> None:
        self._results: dict[tuple[str, str], LoadResult] = {}

    def load(self, git_dir: Path, files: list[TreeFile]) -> tuple[dict[str, LoadResult], int]:
        keys = [(f.path, f.blob) for f in files]
        missing = [f for f in files if (f.path, f.blob) not in self._results]
        contents = read_blobs(git_dir, (f.blob for f in missing))
        fresh = {(f.path, f.blob): _parse(f.path, contents[f.blob]) for f in missing}
        self._results = {key: fresh.get(key) or self._results[key] for key in keys}
        return {path: self._results[(path, blob)] for path, blob in keys}, len(missing)


def _parse(path: str, content: bytes) -> LoadResult:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LoadResult([], [SpecError(path, None, None, "", f"not UTF-8: {exc.reason}")])
    return load_text(text, path)


def read_desired(
    git_dir: Path, commit: str, directory: str, organization: str, cache: ParseCache | None = None
) -> DesiredState:
    """Everything `directory` declares at `commit` for `organization`."""
    files = list_files(git_dir, commit, directory)
    results, parsed = (cache or ParseCache()).load(git_dir, files)
    # After the cache: a changed .py file must change the definition of an unchanged YAML.
    results = inline_code_files(git_dir, commit, directory, results)
    state = build_desired(commit, results, organization)
    state.files, state.parsed = {f.path: f.blob for f in files}, parsed
    return state


def build_desired(
    commit: str, results: Mapping[str, LoadResult], organization: str
) -> DesiredState:
    """Desired state from loaded files (path -> LoadResult), in path order."""
    state = DesiredState(commit=commit)
    for path in sorted(results):
        _add_file(state, path, results[path], organization)
    for kind, name in state.held:  # a name declared twice is applied from neither file
        if kind == "Workflow":
            state.workflows.pop(name, None)
        else:
            state.resources.pop((kind, name), None)
    return state


def _add_file(state: DesiredState, path: str, result: LoadResult, organization: str) -> None:
    errors = list(result.errors) + _foreign(result.documents, organization)
    errors += _already_declared(state, result.documents)
    if errors:
        state.errors += errors
        state.invalid_paths.add(path)
        state.held.update((doc.kind, doc.name) for doc in result.documents)
        return
    for doc in result.documents:
        _add_document(state, doc)


def _foreign(documents: list[LoadedDocument], organization: str) -> list[SpecError]:
    return [
        SpecError(doc.path, doc.line, 1, "metadata.organization",
                  f"{doc.kind} {doc.name!r} names organization {doc.organization!r}, but this "
                  f"repository syncs organization {organization!r}")
        for doc in documents
        if doc.organization != organization
    ]


def _already_declared(state: DesiredState, documents: list[LoadedDocument]) -> list[SpecError]:
    errors = []
    for doc in documents:
        first = _declared_in(state, doc.kind, doc.name)
        if first is not None:
            errors.append(SpecError(doc.path, doc.line, 1, "metadata.name",
                                    f"{doc.kind} {doc.name!r} is already declared in {first}"))
            state.held.add((doc.kind, doc.name))
    return errors


def _declared_in(state: DesiredState, kind: str, name: str) -> str | None:
    if kind == "Workflow":
        workflow = state.workflows.get(name)
        return None if workflow is None else workflow.path
    resource = state.resources.get((kind, name))
    return None if resource is None else resource.path


def _add_document(state: DesiredState, doc: LoadedDocument) -> None:
    if isinstance(doc.document, WorkflowDocument):
        assert doc.definition is not None and doc.definition_hash is not None  # a workflow
        state.workflows[doc.name] = DesiredWorkflow(
            doc.name, doc.path, doc.line, doc.document, doc.definition, doc.definition_hash
        )
    else:
        state.resources[(doc.kind, doc.name)] = DesiredResource(doc.kind, doc.name, doc.path, doc)

