"""`params.file` of python nodes: the named `.py` file is read from the same commit and its
content stored as `params.code`, so the code is part of the definition (a change to the file
is a new version, and a revision diff shows it).

The path is relative to the workflow's YAML file and must stay inside the synced directory;
symlinks (the file itself or a directory on its way, which git lists as one symlink entry)
and files above MAX_CODE_FILE_BYTES are refused, with the node's field path.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domain.spec.errors import SpecError
from domain.spec.loader import LoadedDocument, LoadResult
from domain.spec.model import WorkflowDocument
from sync.git import SYMLINK_MODE, TreeFile, list_blobs, read_blobs

MAX_CODE_FILE_BYTES = 128 * 1024


@dataclasses.dataclass(frozen=True)
class _Tree:
    directory: str
    blobs: dict[str, tuple[str, TreeFile]]  # path -> (mode, file)
    git_dir: Path

    def read(self, yaml_path: str, name: str) -> str:
        """The content of `name` next to `yaml_path`; ValueError says why it cannot be."""
        path = posixpath.normpath(posixpath.join(posixpath.dirname(yaml_path), name))
        inside = path.startswith(self.directory + "/") if self.directory else not \
            path.startswith("../")
        if posixpath.isabs(name) or not inside:
            raise ValueError(f"{name!r} is outside {self.directory or 'the repository'}/")
        if not path.endswith(".py"):
            raise ValueError(f"{name!r} is not a .py file")
        found = self.blobs.get(path)
        if found is None:
            raise ValueError(f"{path} does not exist at this commit (or a directory on its "
                             "way is a symlink)")
        mode, tree_file = found
        if mode == SYMLINK_MODE:
            raise ValueError(f"{path} is a symlink")
        content = read_blobs(self.git_dir, [tree_file.blob])[tree_file.blob]
        if len(content) > MAX_CODE_FILE_BYTES:
            raise ValueError(f"{path} is {len(content)} bytes, above the limit of "
                             f"{MAX_CODE_FILE_BYTES}")
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"{path} is not UTF-8: {error.reason}") from None


def inline_code_files(git_dir: Path, commit: str, directory: str,
                      results: Mapping[str, LoadResult]) -> dict[str, LoadResult]:
    """The results with every python node's `params.file` read into `params.code`."""
    tree: _Tree | None = None
    inlined: dict[str, LoadResult] = {}
    for path, result in results.items():
        if result.errors or not any(_names_files(d) for d in result.documents):
            inlined[path] = result
            continue
        tree = tree or _Tree(directory.strip("/").removeprefix("./"),
                             {f.path: (m, f) for m, f in list_blobs(git_dir, commit, directory)},
                             git_dir)
        inlined[path] = _inline_result(tree, result)
    return inlined


def _names_files(doc: LoadedDocument) -> bool:
    return isinstance(doc.document, WorkflowDocument) and any(
        n.type == "python" and "file" in n.params for n in doc.document.spec.nodes)


def _inline_result(tree: _Tree, result: LoadResult) -> LoadResult:
    documents: list[LoadedDocument] = []
    errors: list[SpecError] = []
    for doc in result.documents:
        if not _names_files(doc):
            documents.append(doc)
            continue
        assert isinstance(doc.document, WorkflowDocument)
        nodes: list[Any] = []  # Any: spec Node models
        for index, node in enumerate(doc.document.spec.nodes):
            if node.type != "python" or "file" not in node.params:
                nodes.append(node)
                continue
            where = f"spec.nodes[{index}].params.file"
            if "code" in node.params:
                errors.append(SpecError(doc.path, doc.line, 1, where,
                                        "params.code and params.file exclude each other"))
                continue
            try:
                code = tree.read(doc.path, str(node.params["file"]))
            except ValueError as error:
                errors.append(SpecError(doc.path, doc.line, 1, where, str(error)))
                continue
            nodes.append(node.model_copy(update={"params": {**node.params, "code": code}}))
        spec = doc.document.spec.model_copy(update={"nodes": nodes})
        documents.append(dataclasses.replace(
            doc, document=doc.document.model_copy(update={"spec": spec})))
    return LoadResult(documents, errors)
