"""Load declarative documents from YAML text, files or directories, reporting every error."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from domain.reference_rules import document_issues
from domain.spec._checks import check_graph
from domain.spec._compose import PositionedDocument, compose_documents
from domain.spec._fast import compose_fast
from domain.spec._guard import GuardError, Limits, check_stream
from domain.spec._issues import Issue, validate_model
from domain.spec.definition import (
    MAX_DEFINITION_BYTES,
    WorkflowDefinition,
    canonical_bytes,
    size_issue,
)
from domain.spec.errors import Loc, SpecError, format_loc
from domain.spec.model import DOCUMENT_MODELS, Document, WorkflowDocument

DEFAULT_LIMITS = Limits()
_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedDocument:
    kind: str
    name: str
    organization: str
    document: Document
    path: str
    line: int

    # Worked out once per document, when first asked for (a copy made with
    # dataclasses.replace starts afresh).
    @cached_property
    def content_hash(self) -> str:
        """sha256 of the whole document's canonical JSON; for the versioned part of a
        workflow see `definition_hash`."""
        body = self.document.model_dump(mode="json", by_alias=True)
        return hashlib.sha256(canonical_bytes(body)).hexdigest()

    @cached_property
    def definition(self) -> WorkflowDefinition | None:
        """The versioned part of a workflow; None for the other kinds."""
        if not isinstance(self.document, WorkflowDocument):
            return None
        return WorkflowDefinition.from_document(self.document)

    @cached_property
    def definition_bytes(self) -> bytes:
        """The canonical JSON of `definition` (empty for the other kinds)."""
        definition = self.definition
        return b"" if definition is None else canonical_bytes(definition.to_json())

    @cached_property
    def definition_hash(self) -> str | None:
        """`WorkflowDefinition.content_hash()` of `definition`, from the bytes the size
        check measured."""
        if self.definition is None:
            return None
        return hashlib.sha256(self.definition_bytes).hexdigest()


@dataclass(frozen=True)
class LoadResult:
    documents: list[LoadedDocument] = field(default_factory=list)
    errors: list[SpecError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def load_text(text: str, path: str, limits: Limits = DEFAULT_LIMITS) -> LoadResult:
    """Parse and validate every document in `text`; never raises for bad input."""
    result = _load_text(text, path, limits)
    return LoadResult(result.documents, result.errors + _duplicates(result.documents))


def load_path(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> LoadResult:
    """Load a file, or every *.yaml / *.yml below a directory (sorted)."""
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.suffix in _SUFFIXES and p.is_file())
    elif root.is_file():
        files = [root]
    else:
        return LoadResult([], [SpecError(str(path), None, None, "", "no such file or directory")])
    documents: list[LoadedDocument] = []
    errors: list[SpecError] = []
    for file in files:
        result = _load_file(file, limits)
        documents += result.documents
        errors += result.errors
    return LoadResult(documents, errors + _duplicates(documents))


def _load_file(file: Path, limits: Limits) -> LoadResult:
    name = str(file)
    try:
        size = file.stat().st_size
        if size > limits.max_bytes:
            message = f"file is {size} bytes, more than the limit of {limits.max_bytes}"
            return LoadResult([], [SpecError(name, 1, 1, "", message)])
        text = file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadResult([], [SpecError(name, None, None, "", f"cannot read: {exc}")])
    return _load_text(text, name, limits)


def _load_text(text: str, path: str, limits: Limits, fast: bool = True) -> LoadResult:
    """Through libyaml first; a file it cannot answer for, or with any error, again through
    ruamel's pure parser, whose messages and positions are the reference."""
    answered = compose_fast(text, limits) if fast else None
    if answered is not None:
        result = _documents(answered, path)
        if result.ok:
            return result
    try:
        check_stream(text, limits)
        composed: list[PositionedDocument] = [*compose_documents(text)]
    except GuardError as exc:
        return LoadResult([], [SpecError(path, exc.line, exc.column, "", exc.message)])
    except YAMLError as exc:
        return LoadResult([], [_yaml_error(exc, text, path)])
    return _documents(composed, path)


def _documents(composed: list[PositionedDocument], path: str) -> LoadResult:
    documents: list[LoadedDocument] = []
    errors: list[SpecError] = []
    for doc in composed:
        loaded, issues = _build(doc, path)
        errors += [_place(doc, path, loc, message) for loc, message in issues]
        errors += [SpecError(path, p[0], p[1], format_loc(loc), m) for loc, m, p in doc.issues]
        if loaded is not None and not doc.issues:
            documents.append(loaded)
    errors.sort(key=lambda e: (e.line or 0, e.column or 0))
    return LoadResult(documents, errors)


def _build(doc: PositionedDocument, path: str) -> tuple[LoadedDocument | None, list[Issue]]:
    data: Any = doc.data  # Any: raw YAML values
    if data is None:
        return None, []
    if not isinstance(data, Mapping):
        return None, [((), "a document must be a mapping with apiVersion, kind, metadata, spec")]
    kind = data.get("kind")
    model = DOCUMENT_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        known = ", ".join(DOCUMENT_MODELS)
        return None, [(("kind",), f"kind must be one of {known}, got {data.get('kind')!r}")]
    document, issues = validate_model(model, data)
    if model is WorkflowDocument and isinstance(data.get("spec"), Mapping):
        issues += check_graph(data["spec"], ("spec",))
    if document is None or issues:
        return None, issues
    meta = document.metadata
    loaded = LoadedDocument(document.kind, meta.name, meta.organization, document, path, doc.line)
    size = len(loaded.definition_bytes)
    if size > MAX_DEFINITION_BYTES:
        return None, [size_issue(size, MAX_DEFINITION_BYTES)]
    issues = document_issues(document.kind, data, meta.organization)
    return (None, issues) if issues else (loaded, [])


def _place(doc: PositionedDocument, path: str, loc: Loc, message: str) -> SpecError:
    line, column = doc.position(loc)
    return SpecError(path, line, column, format_loc(loc), message)


def _yaml_error(exc: YAMLError, text: str, path: str) -> SpecError:
    line: int | None = None
    column: int | None = None
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "cannot parse"
        if mark is not None:
            line, column = mark.line + 1, mark.column + 1
    elif isinstance(exc, ReaderError):
        problem = f"unacceptable character #x{exc.character:04x}"
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
    else:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return SpecError(path, line, column, "", f"invalid YAML: {problem}")


def _duplicates(documents: list[LoadedDocument]) -> list[SpecError]:
    seen: dict[tuple[str, str, str], LoadedDocument] = {}
    errors: list[SpecError] = []
    for doc in documents:
        key = (doc.kind, doc.organization, doc.name)
        first = seen.setdefault(key, doc)
        if first is not doc:
            message = f"duplicate {doc.kind} {doc.organization}/{doc.name} "
            message += f"(first in {first.path}:{first.line})"
            errors.append(SpecError(doc.path, doc.line, 1, "metadata.name", message))
    return errors
