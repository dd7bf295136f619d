"""The formula language of app.yaml (scorecard criteria, and any other policy formula): one expression in
Python syntax over `{variable}` names, with numbers, `+ - * / ( )`, comparisons, `and or not`,
`x if cond else y` and the functions `min max abs round`; nothing else. Formulas are parsed into a
whitelisted syntax tree and walked, never handed to eval."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

MAX_LENGTH = 1000

_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_COMPARE: dict[type, Callable[[float, float], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
# name -> (fewest, most) arguments
_FUNCTIONS: dict[str, tuple[Callable, int, int]] = {
    "min": (min, 2, 64),
    "max": (max, 2, 64),
    "abs": (abs, 1, 1),
    "round": (round, 1, 2),
}


class FormulaError(ValueError):
    """A formula that is not one allowed expression; the message says what is wrong."""


@dataclass(frozen=True)
class Formula:
    """A checked formula: its text, its syntax tree and the variables it names."""

    text: str
    tree: ast.expr
    variables: frozenset[str]
    function: Compiled = field(repr=False, compare=False)

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        """The formula's value; None when a variable it names is null or a division is by zero."""
        if any(values.get(name) is None for name in self.variables):
            return None
        try:
            return float(self.function(values))
        except (ZeroDivisionError, OverflowError):
            return None


def parse(text: str) -> Formula:
    """Check `text` against the language; FormulaError names the first problem."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"invalid syntax at column {exc.offset or 0}") from None
    except (RecursionError, MemoryError):
        raise FormulaError("nested too deeply") from None
    names: set[str] = set()
    _check(tree, names)
    return Formula(text=text, tree=tree, variables=frozenset(names), function=_compile(tree))


def _variable(node: ast.expr) -> str | None:
    """`{name}` parses as a one-element set of a bare name: that is how a variable is written."""
    if isinstance(node, ast.Set) and len(node.elts) == 1 and isinstance(node.elts[0], ast.Name):
        return node.elts[0].id
    return None


def _check(node: ast.expr, names: set[str]) -> None:
    name = _variable(node)
    if name is not None:
        names.add(name)
        return
    match node:
        case ast.Constant(value=value) if isinstance(value, int | float) and not isinstance(value, bool):
            return
        case ast.BinOp(op=op, left=left, right=right) if type(op) in _BINARY:
            children = [left, right]
        case ast.UnaryOp(op=ast.USub() | ast.UAdd() | ast.Not(), operand=operand):
            children = [operand]
        case ast.BoolOp(values=values):
            children = values
        case ast.Compare(ops=ops, left=left, comparators=comparators) if all(
            type(o) in _COMPARE for o in ops
        ):
            children = [left, *comparators]
        case ast.IfExp(test=test, body=body, orelse=orelse):
            children = [test, body, orelse]
        case ast.Call(func=ast.Name(id=fname), args=args, keywords=[]) if fname in _FUNCTIONS:
            _, fewest, most = _FUNCTIONS[fname]
            if not fewest <= len(args) <= most:
                raise FormulaError(f"{fname}() takes {fewest}" + (f" to {most}" if most > fewest else "")
                                   + " arguments")  # fmt: skip
            children = args
        case ast.Name(id=bare):
            raise FormulaError(f"bare name {bare!r}: write a variable as {{{bare}}}")
        case _:
            raise FormulaError(f"{_describe(node)} is not allowed")
    for child in children:
        _check(child, names)


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.BinOp | ast.UnaryOp | ast.Compare):
        op = node.op if not isinstance(node, ast.Compare) else node.ops[0]
        return f"the operator {type(op).__name__}"
    if isinstance(node, ast.Call):
        return "calling anything but min, max, abs and round"
    if isinstance(node, ast.Constant):
        return f"the constant {node.value!r}"
    return f"the construct {type(node).__name__}"


Compiled = Callable[[Mapping[str, float]], float]


def _compile(node: ast.expr) -> Compiled:
    """A checked tree as nested closures: evaluated thousands of times per run, walked once."""
    name = _variable(node)
    if name is not None:
        return lambda values: values[name]
    match node:
        case ast.Constant(value=value):
            return lambda values: value
        case ast.BinOp(op=op, left=left, right=right):
            apply, first, second = _BINARY[type(op)], _compile(left), _compile(right)
            return lambda values: apply(first(values), second(values))
        case ast.UnaryOp(op=op, operand=operand):
            inner = _compile(operand)
            if isinstance(op, ast.USub):
                return lambda values: -inner(values)
            if isinstance(op, ast.Not):
                return lambda values: not inner(values)
            return inner
        case ast.BoolOp(op=op, values=operands):
            return _boolean(isinstance(op, ast.And), [_compile(o) for o in operands])
        case ast.Compare(ops=ops, left=left, comparators=comparators):
            return _comparison(
                _compile(left),
                [(_COMPARE[type(o)], _compile(c)) for o, c in zip(ops, comparators, strict=True)],
            )
        case ast.IfExp(test=test, body=body, orelse=orelse):
            condition, then, otherwise = _compile(test), _compile(body), _compile(orelse)
            return lambda values: then(values) if condition(values) else otherwise(values)
        case ast.Call(func=ast.Name(id=fname), args=args):
            function, arguments = _FUNCTIONS[fname][0], [_compile(a) for a in args]
            if fname == "round" and len(arguments) == 2:
                number, digits = arguments
                return lambda values: round(number(values), int(digits(values)))
            return lambda values: function(*[argument(values) for argument in arguments])
    raise FormulaError(f"{_describe(node)} is not allowed")  # unreachable for checked trees


def _boolean(conjunction: bool, operands: list[Compiled]) -> Compiled:
    """`and` / `or` as Python does them: the first operand that decides, else the last."""

    def run(values):
        result = conjunction
        for operand in operands:
            result = operand(values)
            if bool(result) != conjunction:
                return result
        return result

    return run


def _comparison(first: Compiled, steps: list[tuple[Callable[[float, float], bool], Compiled]]) -> Compiled:
    """A chained comparison (`0 < x <= 1`), each operand evaluated once."""

    def run(values):
        current = first(values)
        for compare, operand in steps:
            following = operand(values)
            if not compare(current, following):
                return False
            current = following
        return True

    return run
