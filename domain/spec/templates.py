"""The sandboxed template language of node parameters.

`{{ expr }}` inside a string is replaced by the value of `expr`; a string that is exactly one
`{{ expr }}` becomes the value itself (a number stays a number). Expressions are parsed with
Python's `ast` and only a whitelist is evaluated: literals, names of the context (`input`,
`nodes`, `execution`, `error`), `.key` and `[key]` lookups in dicts and lists, comparisons,
`and`/`or`/`not`, `in`, and arithmetic on numbers. `a.b` is a dict lookup, never `getattr`,
so Python internals cannot be reached; there are no calls. Condition nodes evaluate the
same expressions.
"""

from __future__ import annotations

import ast
import json
import operator
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

MAX_EXPRESSION = 2000
MAX_STRING = 1_000_000
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.S)
_WHOLE = re.compile(r"^\s*\{\{(.*?)\}\}\s*$", re.S)

# Any: template values are arbitrary JSON.
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Mod: operator.mod, ast.FloorDiv: operator.floordiv,
}


class TemplateError(Exception):
    """A template that cannot be evaluated; the message names the expression and the cause."""


def render(value: Any, context: Mapping[str, Any]) -> Any:
    """Render every template in a JSON value (Any: JSON in, JSON out)."""
    if isinstance(value, str):
        return render_string(value, context)
    if isinstance(value, list):
        return [render(item, context) for item in value]
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    return value


def render_string(text: str, context: Mapping[str, Any]) -> Any:
    whole = _WHOLE.match(text)
    if whole is not None and "{{" not in whole.group(1):
        return evaluate(whole.group(1), context)

    def replace(match: re.Match[str]) -> str:
        return _as_text(evaluate(match.group(1), context))

    return _TEMPLATE.sub(replace, text)


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:
    """The value of one expression (Any: JSON value)."""
    source = expression.strip()
    whole = _WHOLE.match(source)
    if whole is not None:
        source = whole.group(1).strip()
    tree = _parse(source)
    try:
        return _Evaluator(context).visit(tree)
    except TemplateError as error:
        raise TemplateError(f"{source!r}: {error}") from None
    except (TypeError, ZeroDivisionError, ValueError) as error:
        raise TemplateError(f"{source!r}: {error}") from None


@lru_cache(maxsize=4096)
def _parse(source: str) -> ast.expr:
    """The parsed expression (cached: the same templates run for every execution)."""
    if len(source) > MAX_EXPRESSION:
        raise TemplateError(f"expression longer than {MAX_EXPRESSION} characters")
    try:
        return ast.parse(source, mode="eval").body
    except SyntaxError as error:
        raise TemplateError(f"invalid expression {source!r}: {error.msg}") from None


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


class _Evaluator:
    def __init__(self, context: Mapping[str, Any]) -> None:
        self.context = context

    def visit(self, node: ast.AST) -> Any:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise TemplateError(f"{type(node).__name__} is not allowed in templates")
        return method(node)

    def _Constant(self, node: ast.Constant) -> Any:
        if node.value is not None and not isinstance(node.value, str | int | float | bool):
            raise TemplateError("only string, number, boolean and null literals are allowed")
        return node.value

    def _Name(self, node: ast.Name) -> Any:
        literals = {"true": True, "false": False, "null": None, "none": None}
        if node.id in self.context:
            return self.context[node.id]
        if node.id.lower() in literals:
            return literals[node.id.lower()]
        raise TemplateError(f"unknown name {node.id!r}")

    def _Attribute(self, node: ast.Attribute) -> Any:
        return _lookup(self.visit(node.value), node.attr)

    def _Subscript(self, node: ast.Subscript) -> Any:
        return _lookup(self.visit(node.value), self.visit(node.slice))

    def _List(self, node: ast.List) -> Any:
        return [self.visit(item) for item in node.elts]

    def _Compare(self, node: ast.Compare) -> Any:
        left = self.visit(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comparator)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        is_and = isinstance(node.op, ast.And)
        value: Any = is_and
        for item in node.values:
            value = self.visit(item)
            if bool(value) != is_and:
                return value
        return value

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, ast.USub) and _is_number(operand):
            return -operand
        raise TemplateError("unary operator needs a number")

    def _BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.visit(node.left), self.visit(node.right)
        op = _ARITHMETIC.get(type(node.op))
        if op is None:
            raise TemplateError(f"operator {type(node.op).__name__} is not allowed")
        if _is_number(left) and _is_number(right):
            return op(left, right)
        # Joining text is allowed; repeating it (`"a" * 10**9`) is not.
        both_text = isinstance(left, str) and isinstance(right, str)
        if isinstance(node.op, ast.Add) and both_text and len(left) + len(right) <= MAX_STRING:
            return left + right
        raise TemplateError("arithmetic needs numbers (or + on two short strings)")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _lookup(container: Any, key: Any) -> Any:
    if isinstance(container, Mapping):
        if key not in container:
            raise TemplateError(f"no key {key!r}")
        return container[key]
    if isinstance(container, list) and isinstance(key, int) and not isinstance(key, bool):
        if not -len(container) <= key < len(container):
            raise TemplateError(f"index {key} is out of range")
        return container[key]
    raise TemplateError(f"cannot look up {key!r} in a {type(container).__name__}")


ROOTS = frozenset({"input", "nodes", "execution", "error"})
_LITERAL_NAMES = frozenset({"true", "false", "null", "none"})
_ALLOWED = (
    ast.Constant, ast.Name, ast.Attribute, ast.Subscript, ast.List, ast.Compare, ast.BoolOp,
    ast.UnaryOp, ast.BinOp, ast.Load, ast.And, ast.Or, ast.Not, ast.USub,
    *_COMPARE, *_ARITHMETIC,
)


def expression_problem(expression: str) -> str | None:
    """Why `expression` can never evaluate (syntax, a construct outside the whitelist such as
    a call, an unknown root name), or None. Checked when a definition is validated, so a
    broken template is refused at the boundary instead of failing every run."""
    source = expression.strip()
    whole = _WHOLE.match(source)
    if whole is not None:
        source = whole.group(1).strip()
    try:
        tree = _parse(source)
    except TemplateError as error:
        return str(error)
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            return f"{source!r}: {type(node).__name__} is not allowed in templates"
        if isinstance(node, ast.Name) and node.id not in ROOTS | _LITERAL_NAMES:
            roots = ", ".join(sorted(ROOTS))
            return f"{source!r}: unknown name {node.id!r} (templates may use {roots})"
    return None


def template_problems(value: Any, path: tuple[str | int, ...] = ()) -> list[
    tuple[tuple[str | int, ...], str]
]:
    """(path, problem) for every `{{ expr }}` in a JSON value that can never evaluate."""
    if isinstance(value, str):
        problems = (expression_problem(m.group(1)) for m in _TEMPLATE.finditer(value))
        return [(path, problem) for problem in problems if problem is not None]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in template_problems(item, (*path, i))]
    if isinstance(value, Mapping):
        return [p for key, item in value.items() for p in template_problems(item, (*path, key))]
    return []
