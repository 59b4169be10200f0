"""Load the course's data files, check them, and say where each number came from.

Every file in data/ names its source. A file that is missing or malformed raises
``DataError`` naming the file and the problem, so a lesson fails with a sentence a
reader can act on rather than a KeyError deep inside a widget.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
REFERENCES = DATA_DIR / "references.bib"


class DataError(ValueError):
    """A data file is missing, unreadable or does not match its schema."""


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: file not found (the course expects it in data/)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot be read ({err})") from None


def reference_keys(path: Path = REFERENCES) -> set[str]:
    """The citation keys defined in the course bibliography."""
    return set(re.findall(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", _read(path), flags=re.M))


@dataclass(frozen=True)
class Option:
    text: str
    feedback: str


@dataclass(frozen=True)
class Item:
    id: str
    objective: int
    stem: str
    options: tuple[Option, ...]
    answer: int
    source: tuple[str, ...]


@dataclass(frozen=True)
class QuestionBank:
    lesson: str
    title: str
    items: tuple[Item, ...]
    path: Path


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{where}: expected non-empty text, got {value!r}")
    return value.strip()


def _item(raw: object, where: str, known_keys: set[str]) -> Item:
    if not isinstance(raw, dict):
        raise DataError(f"{where}: each item must be an object")
    missing = {"id", "objective", "stem", "options", "answer", "source"} - raw.keys()
    if missing:
        raise DataError(f"{where}: missing field(s) {', '.join(sorted(missing))}")
    where = f"{where} ({raw['id']!r})"
    options = raw["options"]
    if not isinstance(options, list) or not 2 <= len(options) <= 6:
        raise DataError(f"{where}: 'options' must be a list of 2 to 6 options")
    opts = []
    for j, opt in enumerate(options):
        if not isinstance(opt, dict):
            raise DataError(f"{where}: option {j} must be an object with text and feedback")
        opts.append(
            Option(
                _text(opt.get("text"), f"{where} option {j} text"),
                _text(opt.get("feedback"), f"{where} option {j} feedback"),
            )
        )
    answer = raw["answer"]
    if type(answer) is not int or not 0 <= answer < len(opts):
        raise DataError(f"{where}: 'answer' must be an option index 0..{len(opts) - 1}")
    objective = raw["objective"]
    if type(objective) is not int or objective < 1:
        raise DataError(f"{where}: 'objective' must be a learning-objective number (1, 2, …)")
    source = raw["source"]
    if not isinstance(source, list) or not source or not all(isinstance(s, str) for s in source):
        raise DataError(f"{where}: 'source' must list at least one citation key")
    unknown = [s for s in source if s not in known_keys]
    if unknown:
        raise DataError(f"{where}: citation key(s) {unknown} are not in {REFERENCES.name}")
    return Item(
        _text(raw["id"], f"{where} id"),
        objective,
        _text(raw["stem"], f"{where} stem"),
        tuple(opts),
        answer,
        tuple(source),
    )


def load_question_bank(name: str, data_dir: Path = DATA_DIR) -> QuestionBank:
    """Read and validate ``data/questions/<name>.json`` (schema in data/questions/README.md)."""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise DataError(f"question bank name {name!r} may hold only letters, digits and _")
    path = data_dir / "questions" / f"{name}.json"
    try:
        raw = json.loads(_read(path))
    except json.JSONDecodeError as err:
        raise DataError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list) or not raw["items"]:
        raise DataError(f"{path}: expected an object with a non-empty 'items' list")
    keys = reference_keys(data_dir / "references.bib")
    items = tuple(_item(it, f"{path.name} item {i}", keys) for i, it in enumerate(raw["items"]))
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        raise DataError(f"{path}: item ids must be unique")
    if raw.get("lesson") != name:
        raise DataError(f"{path}: 'lesson' must be {name!r}, the file's own name")
    return QuestionBank(name, _text(raw.get("title"), f"{path.name} title"), items, path)


@dataclass(frozen=True)
class Table:
    """Rows of a CSV file together with the source its header names."""

    rows: tuple[dict[str, str], ...]
    source: str
    path: Path


def load_table(relpath: str, columns: set[str], data_dir: Path = DATA_DIR) -> Table:
    """Read a CSV from data/ whose leading ``# source:`` line says where the numbers are from.

    ``columns`` are the columns the caller relies on; a file without them is rejected.
    """
    path = (data_dir / relpath).resolve()
    if data_dir.resolve() not in path.parents:
        raise DataError(f"{relpath!r} is outside the course's data/ folder")
    lines = _read(path).splitlines()
    comments = [ln[1:].strip() for ln in lines if ln.startswith("#")]
    sources = [c.split(":", 1)[1].strip() for c in comments if c.lower().startswith("source:")]
    if not sources or not sources[0]:
        raise DataError(f"{path}: needs a '# source: Author (Year), table/page' line")
    body = "\n".join(ln for ln in lines if not ln.startswith("#"))
    reader = csv.DictReader(io.StringIO(body))
    missing = columns - set(reader.fieldnames or ())
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    rows = tuple(reader)
    if not rows:
        raise DataError(f"{path}: has no data rows")
    return Table(rows, sources[0], path)
