"""The sandboxed template language: lookups, types, operators, and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from domain.spec.templates import TemplateError, evaluate, render

SCOPE = {"input": {"name": "ada", "n": 3, "items": [{"id": 1}, {"id": 2}], "flag": True},
         "nodes": {"fetch": {"output": {"status": 200, "rows": [1, 2]}}}}


@pytest.mark.parametrize(("template", "expected"), [
    ("{{ input.name }}", "ada"),
    ("{{ input.n }}", 3),  # a whole-template keeps its type
    ("n={{ input.n }}", "n=3"),
    ("{{ input.items[1].id }}", 2),
    ("{{ input['name'] }}", "ada"),
    ("{{ nodes.fetch.output.rows }}", [1, 2]),
    ("rows: {{ nodes.fetch.output.rows }}", "rows: [1, 2]"),
    ("{{ input.n * 2 + 1 }}", 7),
    ("{{ input.name + '!' }}", "ada!"),
    ("{{ input.n > 2 and input.flag }}", True),
    ("{{ 2 in nodes.fetch.output.rows }}", True),
    ("{{ not input.flag }}", False),
    ("{{ null }}", None),
    ("no template", "no template"),
])
def test_render(template: str, expected: Any) -> None:
    assert render(template, SCOPE) == expected


def test_render_walks_nested_values() -> None:
    value = {"a": ["{{ input.n }}", {"b": "x{{ input.name }}"}], "c": 5}
    assert render(value, SCOPE) == {"a": [3, {"b": "xada"}], "c": 5}


@pytest.mark.parametrize("expression", [
    "input.__class__",  # attributes are dict keys, never Python attributes
    "input.name.__class__.__mro__",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd')",
    "__import__('os')",
    "[x for x in input.items]",
    "lambda: 1",
    "'a' * 100000000",
    "input.missing",
    "input.items[9]",
    "undefined_name",
    "input.n ** 99999",
    "1 +",
])
def test_unsafe_or_invalid_expressions_are_refused(expression: str) -> None:
    with pytest.raises(TemplateError):
        evaluate(expression, SCOPE)


def test_condition_expression_may_be_wrapped_in_braces() -> None:
    assert evaluate("{{ nodes.fetch.output.status == 200 }}", SCOPE) is True
    assert evaluate("input.n <= 2", SCOPE) is False
