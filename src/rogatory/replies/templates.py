"""The templates letters and case files are written from: shipped defaults, and an
organisation's own versions in a folder of its choice that take precedence.

The folder (``ROGATORY_TEMPLATES_DIR``, or ``serve --templates``) mirrors the shipped layout:
``replies/<language>/<kind>.txt`` for the replies (``replies/fr/refusal.txt``), with
``replies/<language>/_words.txt`` for the words they share, and ``casefile/case_file.html``
for the case file. A template of the folder replaces the shipped one of the same name; a
language folder added there (``replies/es/``) adds a language for the kinds it has templates
for. A template that cannot be read or rendered is an error naming the template, where it
came from, the line and what is wrong: never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)

from rogatory.errors import RogatoryError

SHIPPED = Path(__file__).with_name("templates")
DEFAULT_LANGUAGE = "en"
# How a request document may name the languages shipped; any other two-letter code is read
# as itself, so an organisation's own language folder is found too.
_ALIASES = {
    "en": ("en", "eng", "english", "anglais"),
    "fr": ("fr", "fra", "fre", "french", "francais", "français"),
}


def language_of(value: str | None) -> str | None:
    """The language code a request document's ``language`` names (``fr`` for ``French``,
    ``fr-CA``, ``fra``), or None when it names none."""
    if not value or not value.strip():
        return None
    text = value.strip().lower().replace("_", "-")
    base = text.split("-")[0]
    for code, names in _ALIASES.items():
        if text in names or base in names:
            return code
    return base if len(base) == 2 and base.isalpha() else None


class Templates:
    """One organisation's templates: its folder (if any) over the shipped ones."""

    def __init__(self, folder: Path | None = None, shipped: Path = SHIPPED) -> None:
        self.folder = folder
        self.shipped = shipped
        self._envs: dict[str, Environment] = {}

    def environment(self, part: str, shipped: Path, *, html: bool) -> Environment:
        """The templates of ``part`` (``replies``, ``casefile``): the folder's, then the
        shipped ones in ``shipped``. Jinja checks each file's time before using its cached
        template, so an edited template is read again."""
        if part not in self._envs:
            loaders = [FileSystemLoader(self.folder / part)] if self.folder is not None else []
            self._envs[part] = _environment((*loaders, FileSystemLoader(shipped)), html=html)
        return self._envs[part]

    @property
    def replies(self) -> Environment:
        return self.environment("replies", self.shipped, html=False)

    def languages(self, kind: str) -> list[str]:
        """The languages a reply of ``kind`` can be written in, shipped and the folder's."""
        roots = [self.shipped, *([self.folder / "replies"] if self.folder else [])]
        found = {
            d.name
            for root in roots
            if root.is_dir()
            for d in root.iterdir()
            if (d / f"{kind}.txt").is_file()
        }
        return sorted(found, key=lambda c: (c != DEFAULT_LANGUAGE, c))

    def origin(self, name: str) -> str:
        """Where the template ``name`` of the replies comes from, in words."""
        if self.folder is not None and (self.folder / "replies" / name).is_file():
            return f"the organisation's templates ({self.folder / 'replies' / name})"
        return "the shipped templates"


def _environment(loaders: Iterable[FileSystemLoader], *, html: bool) -> Environment:
    env = Environment(
        loader=ChoiceLoader(list(loaders)),
        autoescape=select_autoescape(["html"]) if html else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["as_date"] = date.fromisoformat  # "2026-12-04" to a date, for the words
    return env


@lru_cache(maxsize=8)
def for_folder(folder: Path | None) -> Templates:
    return Templates(folder)


def _line(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """The template file and line a rendering failed at, from the traceback Jinja rewrites
    to point into the template."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".txt", ".html")):
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def render(env: Environment, name: str, where: str, context: dict[str, Any]) -> str:
    """Render ``name`` with ``context``; any failure is ``template.invalid`` naming the
    template, where it came from (``where``), the line and the problem."""
    try:
        return env.get_template(name).render(**context)
    except TemplateNotFound as exc:
        raise RogatoryError(
            "template.invalid",
            f"template {exc.name} is missing (needed by {name}, from {where})",
            help="add it to the organisation's template folder, or remove the template that "
            "names it",
        ) from None
    except TemplateSyntaxError as exc:
        line = f", line {exc.lineno}" if exc.lineno else ""
        raise RogatoryError(
            "template.invalid",
            f"template {exc.name or name} (from {where}){line}: {exc.message}",
            help="fix the template, or remove it from the organisation's folder to use the "
            "shipped one",
        ) from None
    except (TemplateError, TypeError, ValueError, KeyError, AttributeError) as exc:
        file, lineno = _line(exc.__traceback__)
        at = f", line {lineno}" if lineno else ""
        shown = Path(file).name if file else name
        raise RogatoryError(
            "template.invalid",
            f"template {shown} (from {where}){at} cannot be rendered: {exc}",
            help="fix the template, or remove it from the organisation's folder to use the "
            "shipped one",
        ) from None
