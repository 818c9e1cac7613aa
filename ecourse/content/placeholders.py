"""Personal placeholders in lesson text, such as `{{ voornaam }}`, rendered in a sandbox.

Lesson text is written by admins, so it is treated as untrusted: expressions run in Jinja2's
immutable sandbox with nothing in scope but the placeholders, a handful of harmless filters,
and no statements (`{% … %}` is plain text). `{{ config }}`, `{{ voornaam.__class__ }}` and
the like fail; a lesson that fails shows its text with the placeholders left out, never an
error page. `problems` tells the admin before saving.

Placeholders are protected from Markdown (whose typographer would curl their quotes), put
back into the sanitized HTML, and only then evaluated with autoescaping, so a first name
can never inject Markdown or HTML.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from ecourse.content import markup

# The names admins may use, and the learner value each stands for.
NAMES = {"voornaam": "first_name", "first_name": "first_name"}
SAFE_FILTERS = ("capitalize", "default", "lower", "title", "trim", "upper")
SAMPLE = {"first_name": "Anna"}
_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_TOKEN = "ECOURSEPLACEHOLDER{}X"
_TOKEN_PATTERN = re.compile(r"ECOURSEPLACEHOLDER(\d+)X")


class _PlaceholderSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with no multiplication or power: `{{ "a" * 99999999 }}` would make
    every email enormous, and placeholders never need arithmetic."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        raise SecurityError(f"the operator {operator!r} is not available in lesson text")


@lru_cache(maxsize=2)
def _environment(autoescape: bool) -> ImmutableSandboxedEnvironment:
    env = _PlaceholderSandbox(
        autoescape=autoescape,
        undefined=StrictUndefined,
        # Statements and comments are switched off: only `{{ … }}` means anything.
        block_start_string="<%ecourse-no-blocks",
        block_end_string="ecourse-no-blocks%>",
        comment_start_string="<#ecourse-no-comments",
        comment_end_string="ecourse-no-comments#>",
    )
    env.globals.clear()
    env.filters = {name: env.filters[name] for name in SAFE_FILTERS}
    env.tests = {}
    return env


def used_in(text: str) -> bool:
    return "{{" in (text or "")


def _values(first_name: str) -> dict[str, str]:
    return {name: first_name for name in NAMES}


def _evaluate(template_text: str, values: dict[str, str], autoescape: bool) -> str:
    return _environment(autoescape).from_string(template_text).render(values)


def problems(text: str) -> list[str]:
    """What is wrong with the placeholders in `text`, in words for an admin (Dutch)."""
    found = []
    if "{{" in _EXPRESSION.sub("", text or ""):
        found.append("Er staat een {{ zonder bijbehorende }}.")
    for expression in _EXPRESSION.findall(text or ""):
        try:
            _evaluate(expression, _values(SAMPLE["first_name"]), autoescape=False)
        except (TemplateError, SecurityError):
            names = ", ".join("{{ " + name + " }}" for name in NAMES)
            found.append(f"{expression} werkt niet; je kunt alleen {names} gebruiken.")
    return found


def fill_text(text: str, first_name: str) -> str:
    """Plain text with its placeholders filled in (for the text part of an email)."""
    if not used_in(text):
        return text
    try:
        return _evaluate(text, _values(first_name), autoescape=False)
    except (TemplateError, SecurityError):
        return _EXPRESSION.sub("", text)


def render_markdown(text: str, first_name: str) -> Markup:
    """Markdown to safe HTML, with the placeholders filled in (escaped)."""
    if not used_in(text):
        return markup.render(text)
    protected, expressions = _protect(text)
    html = str(markup.render(protected))
    # Anything in the HTML that looks like Jinja, apart from our own expressions, is text.
    html = html.replace("{{", "&#123;&#123;").replace("}}", "&#125;&#125;")
    template = _restore(html, expressions)
    try:
        filled = _evaluate(template, _values(first_name), autoescape=True)
    except (TemplateError, SecurityError):
        return Markup(_TOKEN_PATTERN.sub("", html))
    # Escaping keeps a name from becoming markup, but inside a link target
    # (`[x]({{ voornaam }})`) a name like `javascript:…` is dangerous as plain text, and
    # mail clients have no Content-Security-Policy: clean the filled-in HTML once more.
    return markup.clean(filled)


def plain_text(text: str, first_name: str) -> str:
    """`markup.plain_text` of the lesson text with its placeholders filled in afterwards,
    so a name is never read as Markdown or HTML."""
    if not used_in(text):
        return markup.plain_text(text)
    protected, expressions = _protect(text)
    template = _restore(markup.plain_text(protected), expressions)
    try:
        return _evaluate(template, _values(first_name), autoescape=False)
    except (TemplateError, SecurityError):
        return _TOKEN_PATTERN.sub("", markup.plain_text(protected))


def _protect(text: str) -> tuple[str, list[str]]:
    """Replace each `{{ … }}` with a token that Markdown leaves alone."""
    expressions: list[str] = []

    def protect(match: re.Match) -> str:
        expressions.append(match.group(0))
        return _TOKEN.format(len(expressions) - 1)

    return _EXPRESSION.sub(protect, text), expressions


def _restore(text: str, expressions: list[str]) -> str:
    return _TOKEN_PATTERN.sub(lambda match: expressions[int(match.group(1))], text)


__all__ = ["escape", "fill_text", "plain_text", "problems", "render_markdown", "used_in"]
