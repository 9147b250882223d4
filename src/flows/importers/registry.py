"""The registry of official lists: one mapping file per list in `lists/` (shipped with the
package), read and checked once.

A mapping file holds everything about a list that is not parsing: its key (which names the
import's files), the `flows import` command, the parser class, the authority who publishes it,
the prefix of its designation ids, the title, publisher, addresses and licence written into
the source, the name and form of its references (which `flows check --against-list` tests),
how the release date is known, the parser's own options, and how a path is recognised as a
release of the list. Adding a list is one parser module and one mapping file.

A publisher whose files come in layouts that are lists of their own (the UK: OFSI's ConList
keyed by UK reference, its older layout keyed by Group ID, the FCDO's list) has one mapping file
with `variants`: each a key, title, publisher, address and reference of its own. The parser
says which variant a release is (its `list_key`); the import is filed under that key.

A mapping file that is not as described is a MappingError naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import re
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from flows.importers.release import ListRelease

LISTS_PACKAGE = "flows.importers"
LISTS_FOLDER = "lists"
_KEY = re.compile(r"[a-z0-9][a-z0-9-]*")
_ACTOR = re.compile(r"actor/[a-z0-9][a-z0-9._-]*")
_URL = re.compile(r"https?://\S+")
_PARSER = re.compile(r"([A-Za-z_][\w.]*):([A-Za-z_]\w*)")


class MappingError(Exception):
    """A list's mapping file that is not as the registry reads it: `<file>: <field>: <what>`."""


@dataclass(frozen=True)
class Flag:
    """A list-specific option of `flows import <list>`: a flag that sets one keyword argument of
    the parser (`--sdn-only` sets `complete` to false)."""

    flag: str
    keyword: str
    given: bool  # the argument's value when the flag is given
    not_given: bool  # ... and when it is not
    help: str

    @property
    def name(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class ListSpec:
    """One list as its mapping file describes it."""

    file: str  # the mapping file, as errors name it
    key: str
    command: str
    parser: str  # module:Class
    help: str
    argument: str  # "file" or "folder"
    argument_help: str
    authority_id: str
    designation_prefix: str
    title: str
    publisher: str
    url: str
    licence: str
    ref_label: str
    ref_pattern: str
    date_option: str | None  # the option that gives the release date (`--released`) ...
    date_reader: str | None  # ... or the parser's method that reads it from the file (or both)
    date_basis: str
    date_given_basis: str | None = None  # with both: the basis when the file gives no date
    file_urls: dict[str, str] = field(default_factory=dict)
    flags: tuple[Flag, ...] = ()
    folder_holds: tuple[str, ...] = ()  # a release is a folder holding these files
    suffixes: tuple[str, ...] = ()  # ... or a file with one of these suffixes
    xml_root: str | None = None  # ... whose root element is this
    variants: tuple[ListSpec, ...] = ()  # lists of one parser, told apart by the release

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys an import of this list is filed under: its variants', or its own."""
        return tuple(v.key for v in self.variants) or (self.key,)

    def for_release(self, release: ListRelease) -> ListSpec:
        """The spec of the variant `release` is (the list itself when it has none), checked
        against the parser's instance: the same key and reference label."""
        if not self.variants:
            return self
        variant = next((v for v in self.variants if v.key == release.list_key), None)
        if variant is None:
            raise MappingError(f"{self.file}: variants: no variant {release.list_key!r}, "
                               f"which {self.parser} says {release.main_file} is")
        if release.ref_label != variant.ref_label:
            raise MappingError(f"{self.file}: variants[{variant.key}].reference.label: {variant.ref_label!r}, "
                               f"but {self.parser} has ref_label {release.ref_label!r}")
        return variant

    def well_formed(self, reference: str) -> bool:
        """Whether a reference has this list's form (UK `RUS1652`, UN `IRe.055`, OFAC `39096`)."""
        return re.fullmatch(self.ref_pattern, reference) is not None

    def urls(self, files: list[str]) -> str:
        """The addresses of the files read, ` ; `-separated; the list's address when it has none."""
        known = [url for name, url in self.file_urls.items() if name in files]
        return " ; ".join(known) or self.url

    def parser_class(self) -> type:
        """The parser class, checked against this file: the same key, authority and reference label."""
        module_name, class_name = self.parser.split(":")
        cls = getattr(importlib.import_module(module_name), class_name, None)
        if cls is None:
            raise MappingError(f"{self.file}: parser: {module_name} has no class {class_name}")
        checked = (("list_key", self.key), ("authority_id", self.authority_id), ("ref_label", self.ref_label))
        # a parser of variants says which one a release is, per release (for_release)
        for attribute, expected in checked[1:2] if self.variants else checked:
            if getattr(cls, attribute, None) != expected:
                raise MappingError(f"{self.file}: {_SPEC_FIELDS.get(attribute, attribute)}: {expected!r}, "
                                   f"but {self.parser} has {attribute} {getattr(cls, attribute, None)!r}")
        if self.date_reader is not None and not callable(getattr(cls, self.date_reader, None)):
            raise MappingError(f"{self.file}: release_date.read_by: {self.parser} has no method {self.date_reader}")
        return cls

    def open(self, path: Path, flags: dict[str, bool] | None = None) -> ListRelease:
        """A release of the list at `path`. `flags` (name -> given) are the command's list-specific
        options: without them the parser's defaults hold (as for a comparison)."""
        keywords = {f.keyword: f.given if flags.get(f.name) else f.not_given for f in self.flags} \
            if flags is not None else {}
        return self.parser_class()(path, **keywords)

    def given_date(self, given: str | None) -> str:
        """The release date given to the command (`--released`): YYYY-MM-DD and a real date, as
        it names the release's files (fromisoformat alone would also take 20231228 or 2023-W52-4);
        ValueError otherwise."""
        try:
            if given is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", given):
                return dt.date.fromisoformat(given).isoformat()
        except ValueError:
            pass
        raise ValueError(f"{self.date_option}: {given!r}: expected a date YYYY-MM-DD")

    def read_date(self, release: ListRelease) -> str | None:
        """The release date the parser reads from the file (its method `release_date.read_by`);
        None when the file gives none."""
        return getattr(release, self.date_reader)()

    def release_date(self, release: ListRelease, given: str | None) -> tuple[str, str]:
        """The release's date and how it is known: read from the file, or given (`--released`);
        ValueError when neither gives one or the two disagree."""
        read = self.read_date(release) if self.date_reader is not None else None
        if given is not None or self.date_reader is None:
            given = self.given_date(given)
        if read and given and read != given:
            raise ValueError(f"{self.date_option} {given}: {release.main_file} gives its release date, {read}")
        if read:
            return read, self.date_basis
        if given is None:
            raise ValueError(f"{release.main_file}: the file carries no release date: give it with "
                             f"{self.date_option} YYYY-MM-DD")
        return given, self.date_given_basis or self.date_basis

    def recognises(self, path: Path) -> bool:
        """Whether `path` looks like a release of this list (for `--against-list` without `--list`)."""
        if self.folder_holds:
            return path.is_dir() and all((path / name).is_file() for name in self.folder_holds)
        if not (path.is_file() and path.suffix.lower() in self.suffixes):
            return False
        return self.xml_root is None or _xml_root(path) == self.xml_root


# The mapping file's fields as errors name them, for the parser's attributes.
_SPEC_FIELDS = {"list_key": "key", "authority_id": "authority_id", "ref_label": "reference.label"}


def _xml_root(path: Path) -> str | None:
    """The name of the first element of an XML file (read from its first 64 kB), or None."""
    try:
        with path.open("rb") as f:
            head = f.read(65536).decode("utf-8", errors="replace")
    except OSError:
        return None
    head = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", head, flags=re.S)
    m = re.search(r"<([A-Za-z_][\w.:-]*)", head)
    return m.group(1).split(":")[-1] if m else None


class _Fields:
    """The fields of one mapping (or a part of it), taken one by one; what is left over is an
    unknown field. Errors name the file and the field's path (`reference.pattern`)."""

    def __init__(self, file: str, doc: Any, where: str = "") -> None:
        self.file, self.where = file, where
        if not isinstance(doc, dict):
            raise self.error(where or "(file)", "expected a mapping of field: value")
        self.doc = dict(doc)

    def error(self, name: str, message: str) -> MappingError:
        return MappingError(f"{self.file}: {name}: {message}")

    def path(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def text(self, name: str, pattern: re.Pattern | None = None, required: bool = True) -> str | None:
        value = self.doc.pop(name, None)
        if value is None:
            if required:
                raise self.error(self.path(name), "required field missing")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(self.path(name), f"expected text, got {value!r}")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.error(self.path(name), f"{value!r} does not match {pattern.pattern}")
        return value

    def boolean(self, name: str) -> bool:
        value = self.doc.pop(name, None)
        if not isinstance(value, bool):
            raise self.error(self.path(name), f"expected true or false, got {value!r}")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.doc.pop(name, None) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(self.path(name), f"expected a list of texts, got {value!r}")
        return tuple(value)

    def part(self, name: str, required: bool = True) -> _Fields | None:
        value = self.doc.pop(name, None)
        if value is None and not required:
            return None
        if value is None:
            raise self.error(self.path(name), "required field missing")
        return _Fields(self.file, value, self.path(name))

    def items(self, name: str) -> list[_Fields]:
        value = self.doc.pop(name, None) or []
        if not isinstance(value, list):
            raise self.error(self.path(name), "expected a list")
        return [_Fields(self.file, v, f"{self.path(name)}[{i}]") for i, v in enumerate(value)]

    def mapping(self, name: str) -> dict[str, str]:
        value = self.doc.pop(name, None) or {}
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and _URL.fullmatch(v)
                                                  for k, v in value.items()):
            raise self.error(self.path(name), "expected a mapping of file name: https:// address")
        return dict(value)

    def done(self) -> None:
        if self.doc:
            raise self.error(self.path(sorted(self.doc)[0]), "unknown field")


def read_spec(file: str, text: str) -> ListSpec:
    """One mapping file's text as a ListSpec; MappingError when it is not as described above."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise MappingError(f"{file}: (file): not valid YAML: {e}") from None
    top = _Fields(file, doc)
    key = top.text("key", _KEY)
    if Path(file).stem != key:
        raise top.error("key", f"{key!r}: the file must be named {key}.yaml")
    variants = top.items("variants")
    values: dict[str, Any] = dict(
        file=file, key=key, command=top.text("command", _KEY), parser=top.text("parser", _PARSER),
        help=top.text("help"), authority_id=top.text("authority_id", _ACTOR),
        designation_prefix=top.text("designation_prefix", _KEY), title=top.text("title"),
        publisher=top.text("publisher"), url=top.text("url", _URL), licence=top.text("licence"),
        file_urls=top.mapping("file_urls"))
    argument = top.part("argument")
    values["argument"] = argument.text("kind", re.compile("file|folder"))
    values["argument_help"] = argument.text("help")
    argument.done()
    if variants:  # each variant has its reference; the list's is any of theirs
        values.update(ref_label="reference", ref_pattern="")  # set from the variants' below
    else:
        values.update(_reference(top.part("reference")))
    values.update(_release_date(top.part("release_date")))
    values["flags"] = tuple(_flag(f) for f in top.items("options"))
    recognise = top.part("recognise")
    values.update(folder_holds=recognise.texts("folder_holds"), suffixes=recognise.texts("suffixes"),
                  xml_root=recognise.text("xml_root", required=False))
    if not values["folder_holds"] and not values["suffixes"]:
        raise recognise.error("recognise", "give folder_holds (files a release folder holds) or suffixes")
    recognise.done()
    top.done()
    module = values["parser"].split(":")[0]
    if importlib.util.find_spec(module) is None:
        raise top.error("parser", f"no module {module}")
    spec = ListSpec(**values)
    if variants:
        spec = replace(spec, variants=tuple(_variant(spec, part) for part in variants))
        spec = replace(spec, ref_pattern="|".join(f"(?:{v.ref_pattern})" for v in spec.variants))
        if len(set(spec.keys)) < len(spec.keys):
            raise top.error("variants", "two variants have the same key")
    return spec


def _variant(spec: ListSpec, part: _Fields) -> ListSpec:
    """One variant: its own key, title, publisher, address(es) and reference; the rest the list's."""
    variant = replace(spec, key=part.text("key", _KEY), title=part.text("title"), publisher=part.text("publisher"),
                      url=part.text("url", _URL), file_urls=part.mapping("file_urls") or spec.file_urls,
                      **_reference(part.part("reference")))
    part.done()
    return variant


def _reference(part: _Fields) -> dict[str, str]:
    label, pattern = part.text("label"), part.text("pattern")
    try:
        compiled = re.compile(pattern)
    except re.error as e:
        raise part.error("reference.pattern", f"not a regular expression: {e}") from None
    for example in part.texts("examples"):
        if not compiled.fullmatch(example):
            raise part.error("reference.examples", f"{example!r} does not match the pattern {pattern!r}")
    part.done()
    return {"ref_label": label, "ref_pattern": pattern}


def _release_date(part: _Fields) -> dict[str, str | None]:
    """`option` (the command's date option), `read_by` (the parser's method that reads the date
    from the file), or both: then the option gives the date of a file that carries none, and
    `given_basis` says so."""
    option = part.text("option", re.compile(r"--[a-z][a-z-]*"), required=False)
    reader = part.text("read_by", re.compile(r"[a-z_][a-z0-9_]*"), required=False)
    if option is None and reader is None:
        raise part.error("release_date", "give option (the command's date option), read_by "
                                         "(the parser's method that reads the date from the file), or both")
    values = {"date_option": option, "date_reader": reader, "date_basis": part.text("basis"),
              "date_given_basis": part.text("given_basis", required=option is not None and reader is not None)}
    part.done()
    return values


def _flag(part: _Fields) -> Flag:
    flag = Flag(part.text("flag", re.compile(r"--[a-z][a-z-]*")), part.text("keyword", re.compile(r"[a-z_]\w*")),
                part.boolean("given"), part.boolean("not_given"), part.text("help"))
    part.done()
    return flag


def load_registry(folder: Path | None = None) -> dict[str, ListSpec]:
    """Every list, by key, from the mapping files in `folder` (default: the package's `lists/`).
    Two lists with the same command, designation prefix or authority and key are refused."""
    where = Path(str(resources.files(LISTS_PACKAGE) / LISTS_FOLDER)) if folder is None else folder
    specs: dict[str, ListSpec] = {}
    seen: dict[str, dict[str, str]] = {"command": {}, "designation_prefix": {}, "key": {}}
    for path in sorted(where.glob("*.yaml")):
        shown = f"{LISTS_FOLDER}/{path.name}" if folder is None else str(path)
        spec = read_spec(shown, path.read_text(encoding="utf-8"))
        for name, values in (("command", [spec.command]), ("designation_prefix", [spec.designation_prefix]),
                             ("key", sorted({spec.key, *spec.keys}))):
            for value in values:
                if value in seen[name]:
                    raise MappingError(f"{shown}: {name}: {value!r} is also the {name} of {seen[name][value]}")
                seen[name][value] = shown
        specs[spec.key] = spec
    return specs


@cache
def registry() -> dict[str, ListSpec]:
    """The package's lists, read once."""
    return load_registry()


def list_of(path: Path, key: str | None = None) -> ListSpec:
    """The list a release at `path` belongs to: the one named by `key`, or the only one that
    recognises it (FileNotFoundError otherwise)."""
    lists = registry()
    if key is not None:
        named = [s for s in lists.values() if key == s.key or key in s.keys]
        if not named:
            known = sorted({k for s in lists.values() for k in (s.key, *s.keys)})
            raise FileNotFoundError(f"--list {key!r}: no such list (lists: {', '.join(known)})")
        return named[0]
    found = [s for s in lists.values() if s.recognises(path)]
    if path.is_dir() and not found:  # a folder holding one file of a list
        found = [s for s in lists.values() if not s.folder_holds
                 and len([p for p in path.iterdir() if s.recognises(p)]) == 1]
    if len(found) == 1:
        return found[0]
    if not found:
        raise FileNotFoundError(f"{path}: not a release of any list the importers read ("
                                + "; ".join(f"{s.key}: {_shape(s)}" for s in lists.values()) + ")")
    raise FileNotFoundError(f"{path}: could be a release of {', '.join(s.key for s in found)}: "
                            "name the list with --list")


def release_path(spec: ListSpec, path: Path) -> Path:
    """The file a list read from one file is opened with, when given the folder holding it."""
    if spec.folder_holds or not path.is_dir():
        return path
    return next(p for p in sorted(path.iterdir()) if spec.recognises(p))


def _shape(spec: ListSpec) -> str:
    if spec.folder_holds:
        return f"a folder with {', '.join(spec.folder_holds)}"
    what = f"a {' or '.join(spec.suffixes)} file"
    return f"{what} whose root element is <{spec.xml_root}>" if spec.xml_root else what
