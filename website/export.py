"""The course as static pages: every lesson's prose and figures, no kernel, any web host.

A Voila page costs a kernel per reader; a static copy costs nothing per reader, so it is how
the course reaches an unlimited public (a university web server, GitHub Pages, a CDN). Each
lesson is executed once, here; its figures are written into the page as plotly JSON and drawn
by one shared, cacheable plotly.js (the live site's build), so they keep zoom, hover and legend
toggles. What needs Python to answer (sliders, the coding exercise, the repair game) is
replaced by a note pointing to the live course; each self-check becomes its questions with the
answers and their explanations behind a "Show the answer" disclosure.

    course-export site/            # then serve site/ with any static web server
    course-export site/ --live-url https://course.example.edu/   # notes link the live pages
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from html import escape
from pathlib import Path

import ipywidgets
import nbformat
import plotly.graph_objects as go
import plotly.io as pio
from nbconvert import HTMLExporter

from widgets.data import QuestionBank
from widgets.figure import PLOTLY_JS, LiveFigure
from widgets.quiz import SelfCheck

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
TEMPLATES = ROOT / "share" / "jupyter" / "nbconvert" / "templates"
COURSE_CSS = ROOT / "share" / "jupyter" / "voila" / "templates" / "course" / "static" / "course.css"
#: Put after the lesson's title cell, replaced by its table of contents once headings have ids.
TOC_SLOT = '<div class="course-toc-slot"></div>'
#: Lesson files: "00_welcome.ipynb", "01_bowlby.ipynb", ...
LESSON_NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


def lesson_files(lessons: Path = LESSONS) -> list[Path]:
    return sorted(p for p in lessons.iterdir() if LESSON_NAME.match(p.name))


def label(path: Path) -> str:
    """What the course calls a lesson in its map: "Start here" or "Lesson 2: Strange situation"."""
    number, topic = path.stem[:2], path.stem[3:].replace("_", " ").capitalize()
    return topic if number == "00" else f"Lesson {int(number)}: {topic}"


def export(out: Path, lessons: Path = LESSONS, live_url: str = "") -> list[Path]:
    """Write index.html and one page per lesson to ``out``; returns the pages written."""
    files = lesson_files(lessons)
    if not files:
        raise FileNotFoundError(f"no lessons (NN_name.ipynb) in {lessons}")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PLOTLY_JS, out / PLOTLY_JS.name)
    shutil.copyfile(COURSE_CSS, out / "course.css")
    for asset in lessons.iterdir():  # images the lessons show
        if asset.suffix.lower() in {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}:
            shutil.copyfile(asset, out / asset.name)
    exporter = HTMLExporter(
        template_name="course-static",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    pages = []
    for i, path in enumerate(files):
        nb = static_notebook(path, live_url)
        resources = {
            "course": {
                "place": "Start here" if i == 0 else f"Lesson {i} of {len(files) - 1}",
                "prev": _link(files[i - 1]) if i > 0 else None,
                "next": _link(files[i + 1]) if i + 1 < len(files) else None,
                "lessons": [_link(f) for f in files],
                "live": _live_page(live_url, path),
            }
        }
        html, _ = exporter.from_notebook_node(nb, resources=resources)
        page = out / f"{path.stem}.html"
        page.write_text(_with_toc(_static_links(html)), encoding="utf-8")
        pages.append(page)
    shutil.copyfile(pages[0], out / "index.html")
    return pages


def static_notebook(path: Path, live_url: str = "") -> nbformat.NotebookNode:
    """The lesson with each code cell's output replaced by what a static page can show."""
    nb = nbformat.read(path, as_version=4)
    namespace: dict = {"__name__": "__course_export__"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        shown = eval_cell(cell.source, namespace)
        html = static_view(shown, _live_page(live_url, path))
        cell.outputs = [] if html is None else [_html_output(html)]
    title = next((i for i, c in enumerate(nb.cells) if c.source.lstrip().startswith("# ")), 0)
    nb.cells.insert(title + 1, nbformat.v4.new_markdown_cell(TOC_SLOT))
    return nb


def eval_cell(source: str, namespace: dict):
    """Run a lesson cell (imports and one-line calls) and return its last expression's value."""
    code = compile(source, "<lesson cell>", "exec")
    lines = [line for line in source.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if last and not last.startswith((" ", "\t", "from ", "import ")):
        try:
            value = compile(last, "<lesson cell>", "eval")
        except SyntaxError:
            value = None
        if value is not None:
            head = "\n".join(lines[:-1])
            exec(compile(head, "<lesson cell>", "exec"), namespace)
            return eval(value, namespace)
    exec(code, namespace)
    return None


#: Widgets whose text describes what a simulation shows: kept beside its figures.
DESCRIBING = {"course-reading", "course-comparison"}


def static_view(shown, live: str) -> str | None:
    """HTML for what a cell displayed: figures drawn, quizzes opened up, the rest a note."""
    if shown is None:
        return None
    if isinstance(shown, SelfCheck):
        return self_check_html(shown.state.bank)
    parts = []
    for widget in _in_order(shown):
        if isinstance(widget, LiveFigure):
            parts.append(figure_html(widget.figure, widget.label))
        elif isinstance(widget, ipywidgets.HTML) and DESCRIBING & set(widget._dom_classes):
            parts.append(f"<div class='course-reading'>{widget.value}</div>")
    figures = any("course-static-figure" in part for part in parts)
    where = f'<a href="{escape(live)}">the live course</a>' if live else "the live course"
    note = (
        f"<p class='course-static-note'>This {'simulation' if figures else 'exercise'} is "
        f"interactive in {where} (or in JupyterLab). "
        + (
            "Here it shows its opening settings; you can still zoom, hover and switch lines "
            "on and off."
            if figures
            else "A static page cannot run it."
        )
        + "</p>"
    )
    return "".join(parts if figures else []) + note


def _in_order(widget):
    """The widget and everything inside it, in display order."""
    yield widget
    if isinstance(widget, LiveFigure):
        return
    for child in getattr(widget, "children", ()):
        yield from _in_order(child)


def figure_html(figure: go.Figure, name: str) -> str:
    div = pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        config={"displaylogo": False, "responsive": True},
    )
    return (
        f"<figure class='course-static-figure' role='group' aria-label='{escape(name)}'>"
        f"{div}</figure>"
    )


def self_check_html(bank: QuestionBank) -> str:
    items = []
    for n, item in enumerate(bank.items, 1):
        options = "".join(f"<li>{escape(o.text)}</li>" for o in item.options)
        right = item.options[item.answer]
        items.append(
            f"<li class='course-static-item'><p class='course-stem'>{escape(item.stem)}</p>"
            f"<ol type='A'>{options}</ol><details><summary>Show the answer to question {n}"
            f"</summary><p><strong>{chr(65 + item.answer)}.</strong> {escape(right.text)}</p>"
            f"<p>{escape(right.feedback)}</p></details></li>"
        )
    return (
        f"<section class='course-quiz' aria-label='{escape(bank.title)}'>"
        f"<h3>{escape(bank.title)}</h3><p>Answer each question in your head, then open its "
        f"answer.</p><ol>{''.join(items)}</ol></section>"
    )


def _html_output(html: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"text/html": html})


def _link(path: Path) -> dict:
    return {"href": f"{path.stem}.html", "label": label(path)}


def _live_page(live_url: str, path: Path) -> str:
    return f"{live_url.rstrip('/')}/voila/render/{path.name}" if live_url else ""


def _static_links(html: str) -> str:
    """Links between lessons point at their pages here (a lesson links "02_x.ipynb")."""
    return re.sub(r'href="(\d\d_[a-z0-9_]+)\.ipynb(#[^"]*)?"', r'href="\1.html\2"', html)


def _with_toc(html: str) -> str:
    """Fill the slot after the lesson's title with a table of contents of its h2 headings."""
    heads = re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)<a class="anchor-link"', html)
    toc = ""
    if len(heads) > 2:
        items = "".join(
            f'<li><a href="#{i}">{re.sub(r"<[^>]+>", "", text).strip()}</a></li>'
            for i, text in heads
        )
        toc = (
            '<nav class="course-toc" aria-label="On this page"><details><summary>On this page'
            f"</summary><ol>{items}</ol></details></nav>"
        )
    return html.replace(TOC_SLOT, toc, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="course-export",
        description="Write the course as static HTML pages (figures interactive, no kernel).",
    )
    parser.add_argument("out", type=Path, help="folder for the pages (created if missing)")
    parser.add_argument(
        "--live-url", default="", help="the live (Voila) course's address, for the notes' links"
    )
    args = parser.parse_args(argv)
    try:
        pages = export(args.out, live_url=args.live_url)
    except (OSError, ValueError) as err:
        print(f"course-export: {err}", file=sys.stderr)
        return 2
    print(f"Wrote {len(pages)} pages and index.html to {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
