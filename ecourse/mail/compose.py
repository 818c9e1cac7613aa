"""Render an email from its template folder: `subject.txt`, `body.txt`, `body.html`.

The HTML part is inlined with css-inline after rendering, because many mail clients ignore
`<style>` blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import escape


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=16)
def environment(folder: str, language: str = "nl") -> Environment:
    """The templates of `folder`, speaking `language` (`{% trans %}` and `_()`)."""
    from ecourse.core.languages import translations

    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)
    env.globals["language"] = language
    return env


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def render(folder: Path, name: str, context: dict, language: str = "nl") -> Rendered:
    """Render the email `name` (a folder of templates) with `context`, in `language`."""
    env = environment(str(folder), language)
    subject = env.get_template(f"{name}/subject.txt").render(context)
    text = env.get_template(f"{name}/body.txt").render(context)
    html = env.get_template(f"{name}/body.html").render(context)
    return Rendered(
        subject=" ".join(subject.split()),
        text=text.strip() + "\n",
        html=_inliner().inline(html),
    )


def sentinel(field: str) -> str:
    """A marker that survives Jinja escaping and CSS inlining untouched."""
    return f"zzECOURSE{field.upper()}zz"


@dataclass(frozen=True)
class PersonalTemplate:
    """An email rendered once, with markers where each recipient's values go."""

    rendered: Rendered
    fields: tuple[str, ...]

    def fill(self, values: dict[str, str]) -> Rendered:
        text, html = self.rendered.text, self.rendered.html
        for field in self.fields:
            value = values[field]
            text = text.replace(sentinel(field), value)
            html = html.replace(sentinel(field), str(escape(value)))
        return Rendered(subject=self.rendered.subject, text=text, html=html)


def render_personal(
    folder: Path, name: str, context: dict, fields: tuple[str, ...], language: str = "nl"
) -> PersonalTemplate:
    """Render once with markers for `fields` (which must not appear in the subject)."""
    markers = {field: sentinel(field) for field in fields}
    rendered = render(folder, name, context | markers, language)
    if any(marker in rendered.subject for marker in markers.values()):
        raise ValueError(f"{name}: personal fields cannot be used in the subject")
    return PersonalTemplate(rendered, tuple(markers))
