"""Personal placeholders in lesson text, such as `{{ voornaam }}`, rendered in a sandbox.

Lesson text is written by admins, so it is treated as untrusted. Each `{{ … }}` is compiled
on its own as a Jinja2 expression (never the text around it, so there are no statements
whatever the text contains) and run in the immutable sandbox, with nothing in scope but the
placeholders, a handful of harmless filters and a few string methods. Its value must be a
short piece of text (`MAX_VALUE_CHARS`), and a filled-in text stays under
`MAX_OUTPUT_CHARS`. `{{ config }}`, `{{ voornaam.__class__ }}`, `{{ voornaam.split }}` and
the like fail; a lesson that fails shows its text with the placeholders left out, never an
error page. `problems` tells the admin before saving.

Placeholders are protected from Markdown (whose typographer would curl their quotes) and
their values put into the sanitized HTML escaped, and into the plain text by the same rules,
so a first name can never inject Markdown or HTML.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from ecourse.content import markup

# The names admins may use, and the learner value each stands for.
NAMES = {"voornaam": "first_name", "first_name": "first_name"}
SAFE_FILTERS = ("capitalize", "default", "lower", "title", "trim", "upper")
# The only methods a placeholder may call: each gives back a string no longer than its own.
STRING_METHODS = frozenset({"capitalize", "lower", "upper", "title", "strip", "lstrip", "rstrip"})
SAMPLE = {"first_name": "Anna"}
# Bounds on what placeholders can add: one value, and a whole filled-in text.
MAX_VALUE_CHARS = 200
MAX_OUTPUT_CHARS = 200_000
MARKER = "ECOURSEPLACEHOLDER"  # what stands in for a placeholder while Markdown runs
_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
# Everything that can fail while evaluating one expression, however odd the expression.
_FAILURES = (TemplateError, SecurityError, ArithmeticError, ValueError, TypeError, MemoryError)


class PlaceholderError(ValueError):
    """An expression that is not allowed, or whose value is not a short piece of text."""


class _PlaceholderSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with no multiplication, power or %-formatting (each can make a huge
    string out of a short one) and, on a value, only the methods in `STRING_METHODS`."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context, operator, left, right):
        raise SecurityError(f"the operator {operator!r} is not available in lesson text")

    def is_safe_attribute(self, obj, attr, value) -> bool:
        allowed = isinstance(obj, str) and attr in STRING_METHODS
        return allowed and super().is_safe_attribute(obj, attr, value)


@lru_cache(maxsize=1)
def _environment() -> ImmutableSandboxedEnvironment:
    env = _PlaceholderSandbox(undefined=StrictUndefined)
    env.globals.clear()
    env.filters = {name: env.filters[name] for name in SAFE_FILTERS}
    env.tests = {}
    return env


@lru_cache(maxsize=512)
def _compiled(expression: str) -> Callable:
    """One `{{ … }}` compiled as an expression only: there is no way to write a statement
    (a loop, an assignment) in it, whatever delimiters the text around it contains."""
    return _environment().compile_expression(expression[2:-2], undefined_to_none=False)


def used_in(text: str) -> bool:
    return "{{" in (text or "")


def value_of(expression: str, first_name: str) -> str:
    """The text one `{{ … }}` stands for; PlaceholderError when it cannot be used."""
    try:
        result = _compiled(expression)(**dict.fromkeys(NAMES, first_name))
    except _FAILURES as error:
        raise PlaceholderError(str(error)) from None
    # Text and numbers only: a method, a list or an undefined name prints nothing useful
    # (and a method would print a memory address).
    if isinstance(result, bool) or not isinstance(result, str | int | float):
        raise PlaceholderError("not text")
    text = str(result)
    if len(text) > MAX_VALUE_CHARS:
        raise PlaceholderError("too long")
    return text


def problems(text: str) -> list[str]:
    """What is wrong with the placeholders in `text`, in words for an admin (Dutch)."""
    text = text or ""
    found = []
    if "{{" in _EXPRESSION.sub("", text):
        found.append("Er staat een {{ zonder bijbehorende }}.")
    if MARKER in text.upper():
        found.append(f"Het woord {MARKER} gebruikt ecourse zelf; haal het uit de tekst.")
    for expression in _EXPRESSION.findall(text):
        try:
            value_of(expression, SAMPLE["first_name"])
        except PlaceholderError:
            names = ", ".join("{{ " + name + " }}" for name in NAMES)
            found.append(f"{expression} werkt niet; je kunt alleen {names} gebruiken.")
    return found


def _values(expressions: list[str], first_name: str) -> list[str]:
    """Every expression's text, or all of them empty when one fails: a lesson that fails
    shows its text with the placeholders left out, never an error page."""
    try:
        return [value_of(expression, first_name) for expression in expressions]
    except PlaceholderError:
        return [""] * len(expressions)


def _bounded(filled: str, without: Callable[[], str]) -> str:
    return filled if len(filled) <= MAX_OUTPUT_CHARS else without()


def fill_text(text: str, first_name: str) -> str:
    """Plain text with its placeholders filled in (for the text part of an email)."""
    if not used_in(text):
        return text
    expressions = _EXPRESSION.findall(text)
    values = iter(_values(expressions, first_name))
    filled = _EXPRESSION.sub(lambda _: next(values), text)
    return _bounded(filled, lambda: _EXPRESSION.sub("", text))


def one_line(text: str, first_name: str) -> str:
    """A short text (a lesson's summary, the inbox's preview line) with its placeholders
    filled in, on one line. Whatever it contained, no `{{` or `}}` is left: a preview line
    shows "Hoi {{ voornaam }}" to nobody. Without a name, "Hoi {{ voornaam }}, fijn" reads
    "Hoi, fijn" (the space the placeholder leaves before a comma goes too, and a comma it
    leaves at the start)."""
    if not used_in(text) and "}}" not in (text or ""):
        return " ".join((text or "").split())
    filled = fill_text(text, first_name).replace("{{", "").replace("}}", "")
    return re.sub(r"\s+([,.!?;:])", r"\1", " ".join(filled.split())).lstrip(",;: ")


def render_markdown(text: str, first_name: str) -> Markup:
    """Markdown to safe HTML, with the placeholders filled in (escaped)."""
    if not used_in(text):
        return markup.render(text)
    protected, expressions, token = _protect(text)
    html = str(markup.render(protected))
    values = [str(escape(value)) for value in _values(expressions, first_name)]
    filled = _bounded(_restore(html, token, values), lambda: _restore(html, token, []))
    # Escaping keeps a name from becoming markup, but inside a link target
    # (`[x]({{ voornaam }})`) a name like `javascript:…` is dangerous as plain text, and
    # mail clients have no Content-Security-Policy: clean the filled-in HTML once more.
    return markup.clean(filled)


def plain_text(text: str, first_name: str) -> str:
    """`markup.plain_text` of the lesson text with its placeholders filled in afterwards,
    by the same rules as the HTML, so a name is never read as Markdown or HTML."""
    if not used_in(text):
        return markup.plain_text(text)
    protected, expressions, token = _protect(text)
    plain = markup.plain_text(protected)
    values = _values(expressions, first_name)
    return _bounded(_restore(plain, token, values), lambda: _restore(plain, token, []))


def _protect(text: str) -> tuple[str, list[str], re.Pattern]:
    """Replace each `{{ … }}` with a token that Markdown leaves alone. The tokens carry a
    fresh random part, so no lesson text can contain (or forge) one."""
    nonce = secrets.token_hex(6).upper()
    expressions: list[str] = []

    def protect(match: re.Match) -> str:
        expressions.append(match.group(0))
        return f"{MARKER}{nonce}N{len(expressions) - 1}X"

    return _EXPRESSION.sub(protect, text), expressions, re.compile(f"{MARKER}{nonce}N(\\d+)X")


def _restore(text: str, token: re.Pattern, values: list[str]) -> str:
    """Put each expression's value where its token is (nothing, for a value not given)."""

    def value(match: re.Match) -> str:
        number = int(match.group(1))
        return values[number] if number < len(values) else ""

    return token.sub(value, text)


__all__ = [
    "escape",
    "fill_text",
    "one_line",
    "plain_text",
    "problems",
    "render_markdown",
    "used_in",
]
