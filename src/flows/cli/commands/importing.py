"""`flows import <list> PATH`: an official sanctions list into curation files under data/raw/
(see flows.importers). One command per list of the registry (flows.importers.registry), made
from its mapping file: its argument (a file or a folder), `--released` when the list's files
carry no date, the options every import shares and the list's own options.
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flows.cli.support import RootOption, err, failing_on, out, report_problems
from flows.errors import CurationError
from flows.importers.registry import ListSpec, registry

if TYPE_CHECKING:
    from flows.importers.release import ListRelease

ProgramOption = Annotated[list[str] | None, typer.Option(
    "--program", help="Import entries carrying this programme tag (repeatable), e.g. IFSR; for the UN "
    "list, the list type (e.g. Iran).")]
AroundOption = Annotated[list[str] | None, typer.Option(
    "--around", help="Import the graph around this entry (name, alias or reference; repeatable), "
    "e.g. \"QODS AVIATION INDUSTRIES\".")]
DepthOption = Annotated[int, typer.Option("--depth", help="Steps of \"Linked To\" relations around --around.")]
SameAsOption = Annotated[list[str] | None, typer.Option(
    "--same-as", help="REF=actor/<id>: the entry REF is this actor (a curator's decision; repeatable).")]
ForceOption = Annotated[bool, typer.Option(
    "--force", help="Overwrite import files that hold uncommitted changes the last import did not write.")]
AcceptDelistingsOption = Annotated[bool, typer.Option(
    "--accept-delistings", help="Accept a release that delists more than a quarter of the designations "
    "of earlier imports (refused by default: a file cut short looks like that).")]

# The options of every import, after the list's argument (and --released): name, type, default.
_SHARED: list[tuple[str, Any, Any]] = [
    ("root", RootOption, Path(".")), ("program", ProgramOption, None), ("around", AroundOption, None),
    ("depth", DepthOption, 1), ("same_as", SameAsOption, None), ("force", ForceOption, False),
    ("accept_delistings", AcceptDelistingsOption, False)]


def _same_as(values: list[str] | None) -> dict[str, str]:
    actors: dict[str, str] = {}
    for v in values or []:
        ref, sep, actor = v.partition("=")
        if not sep or not actor.startswith("actor/"):
            raise typer.BadParameter(f"{v!r}: expected REF=actor/<id>", param_hint="--same-as")
        actors[ref.strip()] = actor.strip()
    return actors


def _selection_note(selection, program: list[str] | None, around: list[str] | None, depth: int) -> str:
    """What the archived text says was read."""
    if selection.refs is None:
        return "every entry"
    parts = [f"programme tags {', '.join(program)}"] if program else []
    if around:
        parts.append(f"the \"Linked To\" graph around {', '.join(repr(a) for a in around)} ({depth} step(s))")
    return "; ".join(parts + ["plus the parties the selected entries are linked to, and entries of earlier imports"])


def _open(spec: ListSpec, path: Path, released: str | None, flags: dict[str, bool]) -> tuple[ListSpec, ListRelease, str]:
    """The spec of the release (its variant's, if the list has variants), the release and its
    date; a path or a date that will not do is one error line."""
    from flows.importers.model import ListError
    from flows.importers.registry import MappingError

    if spec.date_reader is None:  # a date that will not do, before any file is read
        with failing_on(ValueError):
            spec.given_date(released)
    with failing_on(FileNotFoundError, ListError, ValueError, MappingError):
        release = spec.open(path, flags)
        date, basis = spec.release_date(release, released)
        return replace(spec.for_release(release), date_basis=basis), release, date


def run_import(spec: ListSpec, path: Path, released: str | None, root: Path, program: list[str] | None,
               around: list[str] | None, depth: int, same_as: list[str] | None, force: bool,
               accept_delistings: bool, flags: dict[str, bool]) -> None:
    """Select, read and write; a list file that is not as published, or an import that would
    lose a curator's edits, is one error line and writes nothing."""
    from flows.importers.files import ImportRefused
    from flows.importers.model import ListError
    from flows.importers.select import select
    from flows.importers.write import Importer

    same = _same_as(same_as)
    spec, release, date = _open(spec, path, released, flags)
    importer = Importer(root.resolve(), spec, release, date, same, force, accept_delistings)
    inputs = importer.inputs(path, {"program": program, "around": around, "depth": depth, "same_as": same,
                                    "flags": flags, "accept_delistings": accept_delistings})
    result = importer.up_to_date(inputs)
    with failing_on(ListError, ImportRefused):
        if result is None:
            selection = select(release, program or [], around or [], depth)
            try:
                result = importer.run(selection, _selection_note(selection, program, around, depth), inputs)
            except CurationError as e:
                report_problems(e.problems, "import failed: the curation must build first")
                raise typer.Exit(1)
    out.print(result.report(), markup=False)


def _parameters(spec: ListSpec) -> list[inspect.Parameter]:
    """The command's parameters, in the order `--help` shows them."""
    def param(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation,
                                 default=default)

    params = [param(spec.argument, Annotated[Path, typer.Argument(help=spec.argument_help)])]
    if spec.date_option is not None and spec.date_reader is None:
        params.append(param("released", Annotated[str, typer.Option(
            spec.date_option, help="Release date YYYY-MM-DD: the list's files carry none.")]))
    elif spec.date_option is not None:
        params.append(param("released", Annotated[str | None, typer.Option(
            spec.date_option, help="Release date YYYY-MM-DD, for a file that carries none.")], None))
    params += [param(name, annotation, default) for name, annotation, default in _SHARED]
    params += [param(f.name, Annotated[bool, typer.Option(f.flag, help=f.help)], False) for f in spec.flags]
    return params


def _command(spec: ListSpec):
    """The `flows import <command>` function of one list."""
    def command(**values: Any) -> None:
        flags = {f.name: values.pop(f.name) for f in spec.flags}
        run_import(spec, values.pop(spec.argument), values.pop("released", None), flags=flags, **values)

    command.__name__ = f"import_{spec.command}"
    command.__doc__ = spec.help
    command.__signature__ = inspect.Signature(_parameters(spec))  # type: ignore[attr-defined]
    return command


def build_import_app(lists: dict[str, ListSpec]) -> typer.Typer:
    """`flows import`, with one command per list."""
    app = typer.Typer(help="Import an official sanctions list into data/raw/ (reviewable as a diff).",
                      no_args_is_help=True)
    for spec in lists.values():
        app.command(spec.command)(_command(spec))
    return app


def _registered() -> dict[str, ListSpec]:
    from flows.importers.registry import MappingError

    try:
        return registry()
    except MappingError as e:  # a broken mapping file of the package: no command can be made
        err.print(f"error: {e}", markup=False)
        raise SystemExit(1) from None


import_app = build_import_app(_registered())
