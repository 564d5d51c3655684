"""The formula language (store/domain/formula.py): parsing, evaluation, cycles."""

import math
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.domain import formula
from store.errors import ValidationError


def value(text: str, **inputs: float) -> float:
    return formula.evaluate(formula.parse(text), {k.casefold(): v for k, v in inputs.items()})


def test_precedence_parentheses_and_unary_minus() -> None:
    assert value("1 + 2 * 3") == 7
    assert value("(1 + 2) * 3") == 9
    assert value("10 - 4 - 3") == 3  # left-associative
    assert value("8 / 4 / 2") == 1
    assert value("-2 * -3") == 6
    assert value("-(1 + 2)") == -3
    assert value("2.5e2 + .5") == 250.5


def test_kpis_by_bare_or_quoted_name_ignoring_case() -> None:
    assert value("LTV / CAC", ltv=24000, cac=4000) == 6
    assert value('"Net new MRR" * 12', **{"net new mrr": 10}) == 120
    assert value("ltv:cac + rule_of_40%", **{"LTV:CAC": 3, "rule_of_40%": 1}) == 4
    assert formula.names_in(formula.parse('LTV / CAC + "ltv"')) == ["LTV", "CAC"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("1 +", "ends too early"),
        ("(1 + 2", "ends too early"),
        ("1 + 2)", "unexpected ')' at column 6"),
        ("__import__('os')", 'unexpected "\'" at column 12'),
        ("a ** b", "unexpected '*' at column 4"),
        ("x = 1", "unexpected '=' at column 3"),
        ("f(1)", "unexpected '(' at column 2"),
        ('""', "empty quoted name"),
        ("1;2", "unexpected ';'"),
        ("1 2", "unexpected '2' at column 3"),
        ("١٢", "unexpected '١'"),
    ],
)
def test_bad_formulas_say_where(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match="formula") as info:
        formula.parse(text)
    assert message in str(info.value)


def test_nesting_and_length_are_bounded() -> None:
    with pytest.raises(ValidationError, match="nested more than"):
        formula.parse("(" * 60 + "1" + ")" * 60)
    with pytest.raises(ValidationError, match="nested more than"):
        formula.parse("-" * 60 + "1")
    with pytest.raises(ValidationError, match="longer than"):
        formula.parse("1+" * 300 + "1")


def test_division_by_zero_missing_input_and_overflow_are_clear_errors() -> None:
    with pytest.raises(ValidationError, match=r"division by zero \(CAC is 0\)"):
        value("LTV / CAC", ltv=1, cac=0)
    with pytest.raises(ValidationError, match="division by zero"):
        value("1 / (2 - 2)")
    with pytest.raises(ValidationError, match="KPI 'CAC' has no value yet"):
        value("LTV / CAC", ltv=1)
    with pytest.raises(ValidationError, match="finite"):
        value("1e308 * 10")
    assert not math.copysign(1, value("-0")) < 0  # never a negative zero


def test_find_cycle_and_evaluation_order() -> None:
    assert formula.find_cycle({1: [2], 2: [3]}) is None
    assert formula.find_cycle({1: [1]}) == [1, 1]
    cycle = formula.find_cycle({1: [2], 2: [3], 3: [1]})
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {1, 2, 3}
    assert formula.evaluation_order({5: [1, 2], 6: [5, 3], 7: [6]}) == [5, 6, 7]
    with pytest.raises(ValidationError, match="cycle"):
        formula.evaluation_order({1: [2], 2: [1]})


small = st.integers(min_value=-1000, max_value=1000)


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> tuple[str, Fraction]:
    """A formula text and its exact value (divisions only by non-zero values)."""
    if depth > 3 or draw(st.booleans()):
        n = draw(small)
        return (f"({n})" if n < 0 else str(n)), Fraction(n)
    left_text, left = draw(expressions(depth + 1))
    right_text, right = draw(expressions(depth + 1))
    op = draw(st.sampled_from("+-*/" if right != 0 else "+-*"))
    exact = {"+": left + right, "-": left - right, "*": left * right}.get(op)
    if op == "/":
        exact = left / right
    assert exact is not None
    return f"({left_text} {op} {right_text})", exact


@given(expressions())
def test_evaluation_agrees_with_exact_arithmetic(case: tuple[str, Fraction]) -> None:
    text, exact = case
    got = formula.evaluate(formula.parse(text), {})
    assert math.isclose(got, float(exact), rel_tol=1e-9, abs_tol=1e-9)


@given(st.text(max_size=40))
def test_any_text_parses_or_is_refused_with_a_validation_error(text: str) -> None:
    try:
        node = formula.parse(text)
    except ValidationError as exc:
        assert str(exc).startswith("formula")
    else:
        try:
            formula.evaluate(node, {n.casefold(): 1.0 for n in formula.names_in(node)})
        except ValidationError as exc:
            assert "division by zero" in str(exc) or "finite" in str(exc)


@given(st.dictionaries(st.integers(0, 8), st.lists(st.integers(0, 8), max_size=3), max_size=8))
def test_order_puts_inputs_first_unless_there_is_a_cycle(graph: dict[int, list[int]]) -> None:
    cycle = formula.find_cycle(graph)
    if cycle is not None:
        assert cycle[0] == cycle[-1]
        assert all(b in graph[a] for a, b in pairwise(cycle))
        return
    order = formula.evaluation_order(graph)
    assert sorted(order) == sorted(graph)
    position = {k: i for i, k in enumerate(order)}
    for kpi, inputs in graph.items():
        assert all(position[i] < position[kpi] for i in inputs if i in graph)
