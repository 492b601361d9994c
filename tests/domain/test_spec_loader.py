from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.settings import get_settings
from domain.spec import load_path, load_text
from domain.spec._guard import Limits
from domain.spec.model import DataSourceDocument, WorkflowDocument

EXAMPLES = Path(__file__).parents[2] / "workflows.d"

MODEL = """\
apiVersion: flowplane/v1
kind: Model
metadata: {name: small-chat, organization: acme}
spec: {provider: openai, model: gpt-4o-mini, apiKeyRef: {secret: key}}
"""

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.fixture
def dev_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`flowplane dev`, which syncs the examples: operator references are allowed freely."""
    monkeypatch.setenv("FLOWPLANE_DEV_MODE", "true")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("FLOWPLANE_DEV_MODE")
    get_settings.cache_clear()


@pytest.mark.usefixtures("dev_mode")
@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_each_example_validates(path: Path) -> None:
    result = load_path(path)
    assert result.errors == []
    assert result.documents


@pytest.mark.usefixtures("dev_mode")
def test_examples_directory_loads_every_kind() -> None:
    result = load_path(EXAMPLES)
    assert result.errors == []
    kinds = {doc.kind for doc in result.documents}
    assert kinds == {"Workflow", "DataSource", "Model", "AddOn", "Environment"}
    assert {doc.organization for doc in result.documents} == {"acme"}


def test_several_documents_per_file_with_their_lines() -> None:
    text = MODEL + "---\n" + MODEL.replace("small-chat", "big-chat")
    result = load_text(text, "models.yaml")
    assert result.errors == []
    assert [(d.name, d.line, d.path) for d in result.documents] == [
        ("small-chat", 1, "models.yaml"),
        ("big-chat", 6, "models.yaml"),
    ]
    assert result.documents[0].content_hash != result.documents[1].content_hash


def test_document_hash_ignores_key_order_and_formatting() -> None:
    reordered = """\
kind: Model
spec:
  apiKeyRef: {secret: key}
  model: gpt-4o-mini
  provider: openai
metadata: {organization: acme, name: small-chat}
apiVersion: flowplane/v1
"""
    first, second = load_text(MODEL, "a.yaml"), load_text(reordered, "b.yaml")
    assert first.documents[0].content_hash == second.documents[0].content_hash


def test_directory_is_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "one.yml").write_text(MODEL.replace("small-chat", "one"))
    (tmp_path / "a.yaml").write_text(MODEL.replace("small-chat", "two"))
    (tmp_path / "notes.txt").write_text("not yaml: [")
    result = load_path(tmp_path)
    assert result.errors == []
    assert [d.name for d in result.documents] == ["two", "one"]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    result = load_path(tmp_path / "nope")
    assert [e.message for e in result.errors] == ["no such file or directory"]


def test_same_document_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MODEL)
    (tmp_path / "b.yaml").write_text(MODEL)
    result = load_path(tmp_path)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.file, error.line) == (str(tmp_path / "b.yaml"), 1)
    assert "duplicate Model acme/small-chat" in error.message


def test_empty_documents_are_skipped() -> None:
    result = load_text("---\n# nothing\n---\n" + MODEL, "x.yaml")
    assert result.errors == []
    assert len(result.documents) == 1


def test_merge_keys_and_on_key_stay_plain_data() -> None:
    text = """\
apiVersion: flowplane/v1
kind: DataSource
metadata: {name: warehouse, organization: acme}
spec:
  <<: {type: postgres, host: base.example}
  host: db.example
  options: {on: "yes"}
"""
    result = load_text(text, "x.yaml")
    assert result.errors == []
    document = result.documents[0].document
    assert isinstance(document, DataSourceDocument)
    assert (document.spec.type, document.spec.host) == ("postgres", "db.example")
    assert document.spec.options == {"on": "yes"}


def test_duplicate_key_reports_both_lines() -> None:
    text = MODEL + "kind: Model\n"
    [error] = load_text(text, "x.yaml").errors
    assert (error.line, error.column, error.field) == (5, 1, "kind")
    assert error.message == "duplicate key 'kind' (first at line 2)"


def test_syntax_error_has_a_position() -> None:
    [error] = load_text("a: [b, c\nd: e\n", "x.yaml").errors
    assert error.line is not None and error.column is not None
    assert error.message.startswith("invalid YAML")


def test_billion_laughs_is_rejected_before_expansion() -> None:
    [error] = load_text(BILLION_LAUGHS, "bomb.yaml").errors
    assert "possible alias bomb" in error.message
    assert error.line is not None and error.line < 9


def test_too_many_aliases_is_rejected() -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    [error] = load_text(text, "x.yaml").errors
    assert error.message == "too many aliases (>100): possible alias bomb"
    assert error.line == 2


def test_recursive_alias_is_rejected() -> None:
    [error] = load_text("a: &a [1, *a]\n", "x.yaml").errors
    assert error.message == "recursive alias *a"


def test_anchor_defined_twice_is_rejected() -> None:
    [error] = load_text("a: &x 1\nb: &x 2\nc: *x\n", "x.yaml").errors
    assert (error.line, error.message) == (2, "anchor &x is defined twice in one document")


def test_anchors_are_scoped_per_document() -> None:
    text = "a: &x 1\n---\nb: &x 2\n"
    assert all("anchor" not in e.message for e in load_text(text, "x.yaml").errors)


def test_deep_nesting_is_rejected() -> None:
    text = "a: " + "[" * 200 + "]" * 200 + "\n"
    [error] = load_text(text, "x.yaml").errors
    assert error.message == "nesting deeper than 64 levels"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a: !!python/object:os.system {}\n", "!!python/object:os.system"),
        ("a: !!python/object/apply:os.system [ls]\n", "!!python/object/apply:os.system"),
        ("a: !custom 3\n", "!custom"),
        ("a: !!binary aGVsbG8=\n", "!!binary"),
        ("a: !!set {x}\n", "!!set"),
    ],
)
def test_non_standard_tags_are_rejected(text: str, shown: str) -> None:
    [error] = load_text(text, "x.yaml").errors
    assert error.message == f"tag {shown} is not allowed (only plain YAML values are)"
    assert (error.line, error.column) == (1, 4)


def test_standard_tags_are_allowed() -> None:
    text = MODEL.replace("provider: openai", "provider: !!str openai")
    assert load_text(text, "x.yaml").errors == []


def test_file_size_cap(tmp_path: Path) -> None:
    file = tmp_path / "big.yaml"
    file.write_text(MODEL + "# " + "x" * 2000 + "\n")
    [error] = load_path(file, Limits(max_bytes=1000)).errors
    assert error.message.startswith("file is ") and "limit of 1000" in error.message
    [error] = load_text(file.read_text(), "big.yaml", Limits(max_bytes=1000)).errors
    assert "limit of 1000" in error.message


def test_workflow_document_is_typed_and_frozen() -> None:
    result = load_path(EXAMPLES / "daily-sales-report.yaml")
    document = result.documents[0].document
    assert isinstance(document, WorkflowDocument)
    assert document.spec.nodes[0].data_source == "warehouse"
    assert document.spec.connections[2].on == "error"
    with pytest.raises(ValueError, match="frozen"):
        document.spec.nodes[0].id = "other"  # type: ignore[misc]


YAMLISH = st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#,? \n\t\\%@`<=1.~")))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), YAMLISH))
def test_random_text_never_raises(text: str) -> None:
    result = load_text(text, "fuzz.yaml")
    for error in result.errors:
        assert error.file == "fuzz.yaml"
        assert error.message


TOKENS = st.sampled_from(
    [
        "a", "kind", "1", "0x1F", "~", "true", ": ", "\n", "\n  ", "- ", "? ", "[", "]", "{",
        "}", ", ", "&x ", "*x", "<<: ", "!!int ", "!!bool ", "!!float ", "!!map ", "!!seq ",
        "!!str ", "!!python/none ", "!t ", "---\n", "...\n", "%YAML 1.1\n", "\"", "'", "|\n",
        ">-\n", "# c", "\t", "\x01", "\ufeff", "@",
    ]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(TOKENS, max_size=40).map("".join))
def test_yaml_shaped_text_never_raises(text: str) -> None:
    result = load_text(text, "fuzz.yaml")
    assert all(error.message for error in result.errors)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!int abc\n", "'abc' is not a valid !!int"),
        ("a: !!bool maybe\n", "'maybe' is not a valid !!bool"),
        ("a: !!map [1]\n", "tag !!map does not fit this value"),
        ("a: \x01\n", "invalid YAML: unacceptable character #x0001"),
    ],
)
def test_malformed_values_are_errors_not_exceptions(text: str, message: str) -> None:
    errors = load_text(text, "x.yaml").errors
    assert any(e.message == message and e.line == 1 for e in errors), errors


@pytest.mark.parametrize("ref, field, rule", [
    ("{env: DATABASE_URL}", "spec.apiKeyRef.env", "may not reference environment variables"),
    ("{file: /proc/self/environ}", "spec.apiKeyRef.file", "may not reference files"),
])
def test_operator_references_are_refused_with_the_rule_and_line(
    ref: str, field: str, rule: str
) -> None:
    result = load_text(MODEL.replace("{secret: key}", ref), "models.yaml")
    assert result.documents == []
    [error] = result.errors
    assert (error.line, error.field) == (4, field)
    assert rule in error.message and "organization acme" in error.message


def test_store_and_k8s_references_load() -> None:
    for ref in ("{secret: key}", "{k8sSecret: {name: creds, key: api-key}}",
                "{secret: {name: creds, key: api-key}}"):
        assert load_text(MODEL.replace("{secret: key}", ref), "m.yaml").errors == [], ref


def test_a_secret_key_is_never_a_path() -> None:
    leaky = MODEL.replace("{secret: key}", "{secret: {name: creds, key: ../../proc/self/environ}}")
    [error] = load_text(leaky, "m.yaml").errors
    assert error.field == "spec.apiKeyRef.secret", error
    assert "'../../proc/self/environ' is not a Secret key" in error.message, error
