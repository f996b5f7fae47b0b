"""The filter grammar (both spellings) and syntax errors that name the column and what was expected.

Parser choice: lark (LALR). One grammar covers the infix and the function spelling without
conflicts, it reports the offending token and the expected terminals, and it is already a
dependency; the friendly messages below are derived from those.
"""

from __future__ import annotations

from functools import cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from reviewdesk.domain.limits import FILTER_MAX_CHARS
from reviewdesk.errors import FilterSyntaxError

MAX_LENGTH = FILTER_MAX_CHARS

GRAMMAR = r"""
start: expr
?expr: or_expr
?or_expr: and_expr (OR and_expr)*
?and_expr: not_expr (AND not_expr)*
?not_expr: NOT not_expr -> negation
         | atom
?atom: comparison
     | call
     | LPAR expr RPAR -> group
comparison: operand COMPOP operand
          | operand IN operand -> membership
          | operand NOT IN operand -> non_membership
call: func_name LPAR [arg (COMMA arg)*] RPAR
!func_name: NAME | AND | OR | IN
?arg: expr | operand
?operand: NAME -> field
        | literal
        | list
literal: STRING | NUMBER | TRUE | FALSE | NULL
list: LSQB [literal (COMMA literal)*] RSQB

OR: "or"i
AND: "and"i
NOT: "not"i
IN: "in"i
TRUE: "true"i
FALSE: "false"i
NULL: "null"i
LPAR: "("
RPAR: ")"
LSQB: "["
RSQB: "]"
COMMA: ","
COMPOP: "==" | "!=" | "<=" | ">=" | "<" | ">" | "="
NAME: /[A-Za-z_][A-Za-z0-9_]*(\.([\w\-]+|"[^"\\\x00-\x1f]*"|'[^'\\\x00-\x1f]*'))*/
STRING: /"(?:[^"\\]|\\.)*"/s | /'(?:[^'\\]|\\.)*'/s
NUMBER: /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/
%ignore /\s+/
"""

_VALUE_TOKENS = frozenset({"STRING", "NUMBER", "TRUE", "FALSE", "NULL", "LSQB"})
_DESCRIBE = {
    "COMPOP": "an operator (==, !=, <, <=, >, >=, in)",
    "LPAR": "'('",
    "RPAR": "')'",
    "RSQB": "']'",
    "COMMA": "','",
    "$END": "the end of the filter",
}


@cache
def _parser() -> Lark:
    # The basic lexer keeps keywords keywords everywhere: `a < or` is a missing value, not a field "or".
    return Lark(GRAMMAR, parser="lalr", lexer="basic", propagate_positions=True, maybe_placeholders=False)


def location(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"line {line}, column {column}"


def syntax_error(text: str, position: int, message: str) -> FilterSyntaxError:
    position = max(0, min(position, len(text)))
    return FilterSyntaxError(f"{location(text, position)}: {message}", position=position)


def parse_tree(text: str) -> Tree[Token]:
    if len(text) > MAX_LENGTH:
        raise syntax_error(text, MAX_LENGTH, f"the filter is longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise syntax_error(text, len(text), "the filter is empty: expected a condition")
    try:
        return _parser().parse(text)
    except UnexpectedInput as error:
        raise _translate(text, error) from None


def _translate(text: str, error: UnexpectedInput) -> FilterSyntaxError:
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream
        char = text[position]
        if char in "\"'":
            return syntax_error(text, position, f"unterminated string: no closing {char}")
        return syntax_error(text, position, f"unexpected character {char!r}")
    if isinstance(error, UnexpectedToken):
        # LALR merges states, so `expected` can be too wide; the interactive parser knows exactly.
        expected = error.interactive_parser.accepts() if error.interactive_parser else error.expected
        return _unexpected_token(text, error.token, set(expected))
    if isinstance(error, UnexpectedEOF):
        return _unexpected_token(text, Token("$END", ""), set(error.expected))
    return syntax_error(text, 0, str(error))


def _unexpected_token(text: str, token: Token, expected: set[str]) -> FilterSyntaxError:
    at_end = token.type == "$END"
    position = len(text) if at_end else (token.start_pos or 0)
    found = "the end of the filter" if at_end else f"{token.value!r}"
    previous = _previous_token(text, position)
    open_paren = _unclosed_paren(text, position)
    if previous is not None and previous.type == "COMPOP" and expected & _VALUE_TOKENS:
        message = f"expected a value after {previous.value!r}, found {found}"
    elif previous is not None and previous.type == "IN" and expected & {"LSQB", "NAME"}:
        message = f"expected a list or a field after 'in', found {found}"
    elif at_end and "RPAR" in expected and open_paren is not None:
        where = location(text, open_paren).split(", ")[-1]
        message = f"unbalanced parenthesis: the '(' at {where} is never closed"
    elif token.type == "RPAR" and "RPAR" not in expected and open_paren is None:
        message = "unbalanced parenthesis: this ')' has no matching '('"
    elif at_end and "RSQB" in expected:
        message = "unclosed list: expected ']'"
    elif previous is not None and previous.type == "NAME" and "COMPOP" in expected:
        message = f"expected an operator such as '==' after {previous.value!r}, found {found}"
    else:
        message = f"expected {_describe(expected)}, found {found}"
    return syntax_error(text, position, message)


def _describe(expected: set[str]) -> str:
    if {"NOT", "NAME"} <= expected:  # where a condition may start, so may values, fields and '('
        return "a condition"
    words: list[str] = []
    if expected & _VALUE_TOKENS:
        words.append("a value")
    if "NAME" in expected:
        words.append("a field")
    if expected & {"COMPOP", "IN"}:
        words.append(_DESCRIBE["COMPOP"])
    if expected & {"AND", "OR"}:
        words.append("'and'/'or'")
    words.extend(_DESCRIBE[name] for name in ("COMMA", "RPAR", "RSQB", "LPAR", "$END") if name in expected)
    return " or ".join(words) if words else "something else"


def _tokens_before(text: str, position: int) -> list[Token]:
    tokens: list[Token] = []
    try:
        for token in _parser().lex(text[:position], dont_ignore=False):
            tokens.append(token)
    except UnexpectedInput:
        pass
    return tokens


def _previous_token(text: str, position: int) -> Token | None:
    tokens = _tokens_before(text, position)
    return tokens[-1] if tokens else None


def _unclosed_paren(text: str, position: int) -> int | None:
    stack: list[int] = []
    for token in _tokens_before(text, position):
        if token.type == "LPAR":
            stack.append(token.start_pos or 0)
        elif token.type == "RPAR" and stack:
            stack.pop()
    return stack[-1] if stack else None
