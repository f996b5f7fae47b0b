"""Builds the typed filter tree from the parse tree, checking functions, fields and literal types."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from lark import Token, Tree

from reviewdesk.domain.filters.fields import (
    Lit,
    Target,
    check_key,
    check_path_length,
    comparison,
    membership,
    resolve,
    suggest,
)
from reviewdesk.domain.filters.grammar import parse_tree, syntax_error
from reviewdesk.domain.filters.nodes import (
    SEARCH_ALL,
    And,
    AnyEntry,
    Compare,
    CompareOp,
    Exists,
    In,
    JsonPath,
    Node,
    Not,
    Or,
    PairField,
    RunField,
    Search,
    make_and,
    make_or,
)
from reviewdesk.domain.filters.pairs import group_pairs
from reviewdesk.domain.limits import (
    FILTER_MAX_DEPTH,
    FILTER_MAX_NUMBER_CHARS,
    FILTER_MAX_SEARCH_TERMS,
    FILTER_MAX_STRING_CHARS,
    FILTER_MAX_TERMS,
)
from reviewdesk.errors import FilterSyntaxError

_INFIX_OPS: dict[str, str] = {
    "==": "eq",
    "=": "eq",
    "!=": "neq",
    "<": "lt",
    "<=": "lte",
    ">": "gt",
    ">=": "gte",
}
_FLIPPED: dict[str, CompareOp] = {"eq": "eq", "lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte"}
_COMPARE_FUNCTIONS = ("eq", "neq", "gt", "gte", "lt", "lte")
FUNCTIONS = ["and", "or", "not", *_COMPARE_FUNCTIONS, "in", "has", "search", "exists", "has_feedback_key"]
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_SEARCHABLE = ("string", "status", "json", "json_root", "tags")
MAX_DEPTH = FILTER_MAX_DEPTH

Operand = Target | Lit | list[Lit]


def parse(text: str) -> Node:
    """Parse either spelling into the typed tree; raises FilterSyntaxError naming the column."""
    tree = parse_tree(text)
    node = _Builder(text).condition(tree.children[0])
    _check_cost(text, node)
    return group_pairs(node)


def _count_terms(node: Node) -> tuple[int, int]:
    """(leaf conditions, search() terms) of a built tree; each value of an `in` list is a term."""
    terms = searches = 0
    stack = [node]
    while stack:
        match stack.pop():
            case And(children) | Or(children):
                stack.extend(children)
            case Not(child):
                stack.append(child)
            case In(_, values):
                terms += max(1, len(values))
            case AnyEntry(_, entry_terms):
                terms += len(entry_terms)
            case Search():
                terms, searches = terms + 1, searches + 1
            case _:
                terms += 1
    return terms, searches


def _check_cost(text: str, node: Node) -> None:
    terms, searches = _count_terms(node)
    if terms > FILTER_MAX_TERMS:
        raise syntax_error(
            text,
            0,
            f"the filter has {terms} conditions; at most {FILTER_MAX_TERMS} (list values count one each)",
        )
    if searches > FILTER_MAX_SEARCH_TERMS:
        raise syntax_error(
            text, 0, f"the filter has {searches} search() terms; at most {FILTER_MAX_SEARCH_TERMS}"
        )


def make_not(node: Node) -> Node:
    return node.child if isinstance(node, Not) else Not(node)


def _position(tree: Tree[Token] | Token) -> int:
    if isinstance(tree, Token):
        return tree.start_pos or 0
    return tree.meta.start_pos if not tree.meta.empty else 0


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.depth = 0

    def _source(self, tree: Tree[Token] | Token) -> str:
        if isinstance(tree, Token):
            return tree.value
        return self.text[tree.meta.start_pos : tree.meta.end_pos]

    def error(self, tree: Tree[Token] | Token | int, message: str) -> FilterSyntaxError:
        position = tree if isinstance(tree, int) else _position(tree)
        return syntax_error(self.text, position, message)

    def condition(self, tree: Tree[Token] | Token) -> Node:
        while isinstance(tree, Tree) and tree.data == "group":  # parentheses add no level
            tree = [child for child in tree.children if isinstance(child, Tree)][0]
        if isinstance(tree, Token) or tree.data in ("field", "literal", "list"):
            raise self.error(tree, f"expected a condition, found {self._source(tree)!r}")
        # A fixed bound, so that a parsed tree can always be evaluated and compiled (both recurse).
        if self.depth >= MAX_DEPTH:
            raise self.error(tree, f"the filter nests conditions more than {MAX_DEPTH} levels deep")
        self.depth += 1
        try:
            return self._condition(tree)
        finally:
            self.depth -= 1

    def _condition(self, tree: Tree[Token]) -> Node:
        parts = [child for child in tree.children if isinstance(child, Tree)]
        match tree.data:
            case "or_expr":
                return make_or([self.condition(part) for part in parts])
            case "and_expr":
                return make_and([self.condition(part) for part in parts])
            case "negation":
                return make_not(self.condition(parts[0]))
            case "comparison":
                return self._infix_comparison(tree)
            case "membership":
                return self._membership(parts[0], parts[1], tree.children[1])
            case "non_membership":
                return make_not(self._membership(parts[0], parts[1], tree.children[2]))
            case "call":
                return self._call(tree)
        raise self.error(tree, f"unexpected {self._source(tree)!r}")  # pragma: no cover

    def operand(self, tree: Tree[Token] | Token) -> Operand:
        if isinstance(tree, Tree) and tree.data == "field":
            token = tree.children[0]
            assert isinstance(token, Token)
            return resolve(self.text, token.value, token.start_pos or 0)
        if isinstance(tree, Tree) and tree.data == "literal":
            token = tree.children[0]
            assert isinstance(token, Token)
            return Lit(self._literal_value(token), token.start_pos or 0, token.value)
        if isinstance(tree, Tree) and tree.data == "list":
            return [self.literal(child) for child in tree.children if isinstance(child, Tree)]
        raise self.error(tree, f"expected a field or a value, found {self._source(tree)!r}")

    def target(self, tree: Tree[Token] | Token) -> Target:
        result = self.operand(tree)
        if not isinstance(result, Target):
            raise self.error(tree, f"expected a field, found {self._source(tree)}")
        return result

    def literal(self, tree: Tree[Token] | Token) -> Lit:
        result = self.operand(tree)
        if not isinstance(result, Lit):
            raise self.error(tree, f"expected a value, found {self._source(tree)}")
        return result

    def string(self, tree: Tree[Token] | Token, what: str) -> Lit:
        lit = self.literal(tree)
        if not isinstance(lit.value, str):
            raise self.error(tree, f"expected {what} (a string), found {lit.source}")
        return lit

    def _infix_comparison(self, tree: Tree[Token]) -> Node:
        left, op_token, right = tree.children
        assert isinstance(op_token, Token)
        op = _INFIX_OPS[op_token.value]
        a, b = self.operand(left), self.operand(right)
        if isinstance(a, Lit) and isinstance(b, Target):
            a, b, op = b, a, ("neq" if op == "neq" else _FLIPPED[op])  # type: ignore[index]
        if not isinstance(a, Target):
            raise self.error(left, f"expected a field on one side of {op_token.value!r}")
        if not isinstance(b, Lit):
            hint = "; use 'in' to compare with a list" if isinstance(b, list) else ""
            raise self.error(right, f"expected a value after {op_token.value!r}{hint}")
        return self._compare(a, op, op_token.value, _position(op_token), b)

    def _compare(self, target: Target, op: str, label: str, op_pos: int, lit: Lit) -> Node:
        if op == "neq":
            if target.kind == "sample":
                raise self.error(op_pos, "random_sample takes '==' and a rate between 0 and 1")
            return make_not(comparison(self.text, target, "eq", label, op_pos, lit))
        return comparison(self.text, target, op, label, op_pos, lit)  # type: ignore[arg-type]

    def _membership(self, left: Tree[Token], right: Tree[Token], in_token: Tree[Token] | Token) -> Node:
        a, b = self.operand(left), self.operand(right)
        if isinstance(a, Lit) and isinstance(b, Target):
            if b.kind != "tags":
                raise self.error(right, f"'\"…\" in {b.label}' needs a list field such as tags")
            return comparison(self.text, b, "eq", "in", _position(in_token), a)
        if isinstance(a, Target) and isinstance(b, list):
            return membership(self.text, a, _position(in_token), b)
        if isinstance(a, Target):
            raise self.error(right, 'expected a list such as ["a", "b"] after \'in\'')
        raise self.error(left, "expected a field before 'in', or a value before 'in tags'")

    def _call(self, tree: Tree[Token]) -> Node:
        name_tree = tree.children[0]
        assert isinstance(name_tree, Tree)
        name_token = name_tree.children[0]
        assert isinstance(name_token, Token)
        name, pos = name_token.value.lower(), name_token.start_pos or 0
        args = [child for child in tree.children[1:] if isinstance(child, Tree)]
        if name in ("and", "or"):
            if not args:
                raise self.error(pos, f"{name}() needs at least one condition")
            children = [self.condition(arg) for arg in args]
            return make_and(children) if name == "and" else make_or(children)
        if name in _COMPARE_FUNCTIONS:
            self._arity(name, pos, args, 2, "a field and a value")
            return self._compare(self.target(args[0]), name, name, pos, self.literal(args[1]))
        if name == "in":
            self._arity(name, pos, args, 2, 'a field and a list, e.g. in(name, ["a", "b"])')
            items = self.operand(args[1])
            if not isinstance(items, list):
                raise self.error(args[1], 'expected a list such as ["a", "b"]')
            return membership(self.text, self.target(args[0]), pos, items)
        if name == "has":
            self._arity(name, pos, args, 2, "a field and a value")
            return self._has(self.target(args[0]), args[1], pos)
        if name == "search":
            return self._search(args, pos)
        if name == "exists":
            return self._exists(args, pos)
        if name == "has_feedback_key":
            self._arity(name, pos, args, 1, "a feedback key")
            key = self.string(args[0], "a feedback key")
            return Compare(PairField("feedback", "key"), "eq", key.value)
        raise self.error(pos, f"unknown function {name!r}{suggest(name, FUNCTIONS)}")

    def _arity(self, name: str, pos: int, args: list[Tree[Token]], count: int, what: str) -> None:
        if len(args) != count:
            raise self.error(pos, f"{name}() takes {what}; found {len(args)} argument(s)")

    def _has(self, target: Target, arg: Tree[Token], pos: int) -> Node:
        lit = self.literal(arg)
        if target.kind == "tags":
            return comparison(self.text, target, "eq", "has", pos, lit)
        if target.kind not in ("json", "json_root") or not isinstance(lit.value, str):
            raise self.error(
                pos, "has() takes tags and a string, or metadata/inputs/outputs and a JSON object"
            )
        assert isinstance(target.field, JsonPath)
        try:
            blob = json.loads(lit.value, parse_constant=_reject_constant)
        except (ValueError, RecursionError):  # malformed, or nested past the stack
            blob = None
        if not isinstance(blob, dict):
            raise self.error(
                arg, f'expected a JSON object such as \'{{"key": "value"}}\', found {lit.source}'
            )
        return make_and(self._containment(target.field, blob, lit.position))

    def _containment(self, base: JsonPath, blob: dict[str, Any], pos: int) -> list[Node]:
        """Each key of the object must be present with an equal value; nested objects recurse."""
        nodes: list[Node] = []
        for key, value in blob.items():
            path = JsonPath(base.root, (*base.path, check_key(self.text, key, pos)))
            check_path_length(self.text, len(path.path), pos)
            if isinstance(value, dict) and value:
                nodes.extend(self._containment(path, value, pos))
            elif isinstance(value, dict) or value is None:
                nodes.append(Exists(path))
                if value is None:
                    nodes.append(Compare(path, "eq", None))
            elif isinstance(value, list):
                raise self.error(
                    pos, "has() compares strings, numbers, booleans, null and objects, not lists"
                )
            else:
                nodes.append(Compare(path, "eq", value))
        return nodes

    def _search(self, args: list[Tree[Token]], pos: int) -> Node:
        if len(args) == 1:
            return Search(SEARCH_ALL, str(self.string(args[0], "the text to search for").value))
        self._arity(
            "search", pos, args, 2, 'the text to search for, or a field and the text: search(name, "x")'
        )
        target = self.target(args[0])
        if target.kind not in _SEARCHABLE:
            raise self.error(args[0], f"search() does not apply to {target.label!r}")
        assert isinstance(target.field, RunField | JsonPath)
        return Search((target.field,), str(self.string(args[1], "the text to search for").value))

    def _exists(self, args: list[Tree[Token]], pos: int) -> Node:
        if not 1 <= len(args) <= 2:
            self._arity("exists", pos, args, 2, 'a JSON field and a key, e.g. exists(metadata, "tenant_id")')
        target = self.target(args[0])
        if target.kind not in ("json", "json_root") or (len(args) == 1 and target.kind == "json_root"):
            raise self.error(
                args[0], 'exists() takes metadata, inputs or outputs and a key: exists(metadata, "k")'
            )
        assert isinstance(target.field, JsonPath)
        path = target.field
        if len(args) == 2:
            key = self.string(args[1], "a key")
            path = JsonPath(path.root, (*path.path, check_key(self.text, str(key.value), key.position)))
            check_path_length(self.text, len(path.path), key.position)
        return Exists(path)

    def _literal_value(self, token: Token) -> str | int | float | bool | None:
        match token.type:
            case "STRING":
                return self._decode_string(token)
            case "NUMBER":
                if len(token.value) > FILTER_MAX_NUMBER_CHARS:
                    raise self.error(token, f"the number has more than {FILTER_MAX_NUMBER_CHARS} characters")
                number = int(token.value) if re.fullmatch(r"[+-]?\d+", token.value) else float(token.value)
                if not math.isfinite(number) or abs(number) > 1e300:
                    raise self.error(token, f"the number {token.value} is out of range")
                return number
            case "TRUE":
                return True
            case "FALSE":
                return False
        return None

    def _decode_string(self, token: Token) -> str:
        raw, out, i = token.value[1:-1], [], 0
        if len(raw) > FILTER_MAX_STRING_CHARS:
            raise self.error(token, f"the string is longer than {FILTER_MAX_STRING_CHARS} characters")
        base = (token.start_pos or 0) + 1
        while i < len(raw):
            char = raw[i]
            if char != "\\":
                out.append(char)
                i += 1
            elif raw[i + 1] in _ESCAPES:
                out.append(_ESCAPES[raw[i + 1]])
                i += 2
            elif raw[i + 1] == "u" and _HEX4.fullmatch(raw, i + 2, i + 6):
                code, i = int(raw[i + 2 : i + 6], 16), i + 6
                if 0xD800 <= code < 0xDC00 and raw[i : i + 2] == "\\u" and _HEX4.fullmatch(raw, i + 2, i + 6):
                    low = int(raw[i + 2 : i + 6], 16)
                    if 0xDC00 <= low < 0xE000:
                        code, i = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), i + 6
                if 0xD800 <= code < 0xE000:
                    raise self.error(base + i - 6, "a \\u escape names an unpaired surrogate")
                out.append(chr(code))
            else:
                raise self.error(base + i, f"invalid escape {raw[i : i + 2]!r} in a string")
        value = "".join(out)
        if "\x00" in value:
            raise self.error(token, "strings cannot contain the NUL character")
        return value


def _reject_constant(name: str) -> None:
    raise ValueError(name)
