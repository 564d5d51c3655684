"""Formula KPIs: a small, safe expression language over other KPIs (issue 18).

``LTV / CAC``, ``("New MRR" + "Expansion MRR") / ("Churned MRR" + "Contraction MRR")``,
``"Revenue growth %" + "EBITDA %"``: numbers, the four operators ``+ - * /``, unary minus,
parentheses, and other KPIs by name — a bare word (letters, digits, ``_``, ``:``, ``%``,
``.`` after the first letter) or any name in double quotes. Names match KPI names
ignoring case. Nothing else exists: no function calls, attributes or ``eval``; the text
is tokenised and parsed by recursive descent into a small tree that
:func:`evaluate` walks.

A formula's inputs are worked out when it is defined, so a cycle (a KPI computed,
however indirectly, from itself) is refused then (:func:`find_cycle`), and
:func:`evaluation_order` gives the order in which a pull recomputes formula KPIs.
"""

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from store.domain.numbers import read_number
from store.errors import ValidationError

MAX_FORMULA = 500
"""Longest formula text accepted."""
MAX_DEPTH = 40
"""Deepest nesting of parentheses and unary minus (a bound on the parser's recursion)."""

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<quoted>"[^"\n]*")
  | (?P<word>[A-Za-z_][A-Za-z0-9_:%.]*)
  | (?P<op>[-+*/()])
    """,
    re.VERBOSE | re.ASCII,
)


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Negate:
    operand: "Node"


@dataclass(frozen=True)
class Binary:
    op: str
    left: "Node"
    right: "Node"


Node = Number | Name | Negate | Binary


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name" or "op"
    text: str
    at: int  # 1-based column, for messages


def tokenise(text: str) -> list[_Token]:
    """The tokens of ``text``, or a ValidationError naming the column of the first bad one."""
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            raise ValidationError(
                f"formula: unexpected {char!r} at column {pos + 1} (allowed: numbers, KPI "
                'names, "quoted names", + - * / and parentheses)'
            )
        kind = match.lastgroup
        assert kind is not None
        if kind == "quoted":
            name = match.group()[1:-1].strip()
            if not name:
                raise ValidationError(f"formula: empty quoted name at column {pos + 1}")
            tokens.append(_Token("name", name, pos + 1))
        elif kind == "word":
            tokens.append(_Token("name", match.group(), pos + 1))
        elif kind != "space":
            tokens.append(_Token(kind, match.group(), pos + 1))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent: expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*;
    unary := '-' unary | '+' unary | atom; atom := number | name | '(' expr ')'."""

    def __init__(self, tokens: list[_Token], length: int) -> None:
        self.tokens, self.pos, self.length = tokens, 0, length

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise ValidationError("formula: ends too early (an operand or ')' is missing)")
        self.pos += 1
        return token

    def expr(self, depth: int) -> Node:
        node = self.term(depth)
        while (token := self.peek()) is not None and token.text in "+-" and token.kind == "op":
            self.pos += 1
            node = Binary(token.text, node, self.term(depth))
        return node

    def term(self, depth: int) -> Node:
        node = self.unary(depth)
        while (token := self.peek()) is not None and token.text in "*/" and token.kind == "op":
            self.pos += 1
            node = Binary(token.text, node, self.unary(depth))
        return node

    def unary(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ValidationError(f"formula: nested more than {MAX_DEPTH} deep")
        token = self.peek()
        if token is not None and token.kind == "op" and token.text in "+-":
            self.pos += 1
            operand = self.unary(depth + 1)
            return Negate(operand) if token.text == "-" else operand
        return self.atom(depth)

    def atom(self, depth: int) -> Node:
        token = self.take()
        if token.kind == "number":
            return Number(read_number(token.text, "formula number"))
        if token.kind == "name":
            return Name(token.text)
        if token.text == "(":
            node = self.expr(depth + 1)
            close = self.take()
            if close.text != ")":
                raise ValidationError(f"formula: expected ')' at column {close.at}")
            return node
        raise ValidationError(f"formula: unexpected {token.text!r} at column {token.at}")


def parse(text: str) -> Node:
    """The expression tree of ``text``, or a ValidationError saying where it goes wrong."""
    if len(text) > MAX_FORMULA:
        raise ValidationError(f"formula: longer than {MAX_FORMULA} characters")
    tokens = tokenise(text)
    if not tokens:
        raise ValidationError("formula: empty (e.g. LTV / CAC)")
    parser = _Parser(tokens, len(text))
    node = parser.expr(0)
    rest = parser.peek()
    if rest is not None:
        raise ValidationError(f"formula: unexpected {rest.text!r} at column {rest.at}")
    return node


def names_in(node: Node) -> list[str]:
    """The KPI names a formula reads, in order of first use (each once, as written)."""
    found: dict[str, str] = {}
    stack: list[Node] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Name):
            found.setdefault(item.name.casefold(), item.name)
        elif isinstance(item, Negate):
            stack.append(item.operand)
        elif isinstance(item, Binary):
            stack.extend((item.right, item.left))
    return list(found.values())


_OPS: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def evaluate(node: Node, values: Mapping[str, float]) -> float:
    """The formula's value with each KPI name (case-folded) read from ``values``.

    A missing input, a division by zero or a result too large to be finite is a
    ValidationError saying which; the result is never NaN or infinite.
    """
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Name):
        value = values.get(node.name.casefold())
        if value is None:
            raise ValidationError(f"formula: KPI {node.name!r} has no value yet")
        return value
    if isinstance(node, Negate):
        return -evaluate(node.operand, values) + 0.0
    left, right = evaluate(node.left, values), evaluate(node.right, values)
    if node.op == "/" and right == 0:
        raise ValidationError(f"formula: division by zero ({_show(node.right)} is 0)")
    result = _OPS[node.op](left, right)
    if not math.isfinite(result):
        raise ValidationError("formula: the result is too large to be a finite number")
    return result + 0.0


def _show(node: Node) -> str:
    """A node as text, for messages."""
    if isinstance(node, Number):
        return f"{node.value:g}"
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Negate):
        return f"-{_show(node.operand)}"
    return f"({_show(node.left)} {node.op} {_show(node.right)})"


def find_cycle(graph: Mapping[int, Iterable[int]]) -> list[int] | None:
    """A cycle in ``graph`` (KPI → the KPIs its formula reads) as [a, b, …, a], or None."""
    state: dict[int, int] = {}  # 1 on the current path, 2 done
    for root in graph:
        if state.get(root):
            continue
        path: list[int] = []
        stack: list[tuple[int, list[int]]] = [(root, list(graph.get(root, ())))]
        state[root] = 1
        path.append(root)
        while stack:
            node, todo = stack[-1]
            if not todo:
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            nxt = todo.pop()
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, list(graph.get(nxt, ()))))
    return None


def evaluation_order(graph: Mapping[int, Iterable[int]]) -> list[int]:
    """The formula KPIs of ``graph`` with every input before the formulas reading it
    (inputs that are not formulas are left out). Raises ValidationError on a cycle."""
    cycle = find_cycle(graph)
    if cycle is not None:
        raise ValidationError(f"formulas read each other in a cycle: {cycle}")
    done: list[int] = []
    seen: set[int] = set()

    def visit(node: int) -> None:
        stack = [(node, iter(graph.get(node, ())))]
        seen.add(node)
        while stack:
            current, inputs = stack[-1]
            nxt = next(inputs, None)
            if nxt is None:
                stack.pop()
                if current in graph:
                    done.append(current)
            elif nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, iter(graph.get(nxt, ()))))

    for node in sorted(graph):
        if node not in seen:
            visit(node)
    return done
