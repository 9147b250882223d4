"""`flows import ofac DIR`, `flows import un FILE`, `flows import eu FILE` and `flows import uk FILE`: official sanctions
lists into curation files under data/raw/ (see flows.importers)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.support import RootOption, fail, failing_on, out, report_problems
from flows.errors import CurationError

import_app = typer.Typer(help="Import an official sanctions list into data/raw/ (reviewable as a diff).",
                         no_args_is_help=True)

ProgramOption = Annotated[list[str] | None, typer.Option(
    "--program", help="Import entries carrying this programme tag (repeatable), e.g. IFSR; for the UN "
    "list, the list type (e.g. Iran); for the EU list, a regulation's programme (e.g. IRN); for the UK lists, a regime name (e.g. Russia).")]
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


def _same_as(values: list[str] | None) -> dict[str, str]:
    actors: dict[str, str] = {}
    for v in values or []:
        ref, sep, actor = v.partition("=")
        if not sep or not actor.startswith("actor/"):
            raise typer.BadParameter(f"{v!r}: expected REF=actor/<id>", param_hint="--same-as")
        actors[ref.strip()] = actor.strip()
    return actors


def _run(root: Path, release, released: str, prefix: str, command: str, date_basis: str,
         program: list[str] | None, around: list[str] | None, depth: int,
         same_as: list[str] | None, force: bool, accept_delistings: bool) -> None:
    """Select, read and write; a list file that is not as published, or an import that would
    lose a curator's edits, is one error line and writes nothing."""
    from flows.importers.files import ImportRefused
    from flows.importers.model import ListError
    from flows.importers.select import select
    from flows.importers.write import Importer

    same = _same_as(same_as)
    with failing_on(ListError, ImportRefused):
        selection = select(release, program or [], around or [], depth)
        parts = []
        if program:
            parts.append(f"programme tags {', '.join(program)}")
        if around:
            parts.append(f"the \"Linked To\" graph around {', '.join(repr(a) for a in around)} ({depth} step(s))")
        note = "every entry" if selection.refs is None else "; ".join(
            parts + ["plus the parties the selected entries are linked to, and entries of earlier imports"])
        try:
            result = Importer(root.resolve(), release, released, prefix, command, date_basis, same,
                              force, accept_delistings).run(selection, note)
        except CurationError as e:
            report_problems(e.problems, "import failed: the curation must build first")
            raise typer.Exit(1)
    out.print(result.report(), markup=False)


@import_app.command("ofac")
def import_ofac(
    folder: Annotated[Path, typer.Argument(help="Folder with sdn.csv, add.csv, alt.csv (and sdn_comments.csv).")],
    released: Annotated[str, typer.Option("--released", help="Release date YYYY-MM-DD: the CSV files carry none.")],
    root: RootOption = Path("."),
    program: ProgramOption = None,
    around: AroundOption = None,
    depth: DepthOption = 1,
    same_as: SameAsOption = None,
    force: ForceOption = False,
    accept_delistings: AcceptDelistingsOption = False,
    sdn_only: Annotated[bool, typer.Option("--sdn-only", help="Import sdn.csv without add.csv and alt.csv (a copy that lacks them): no addresses or alt.csv aliases are read, and those of earlier imports are dropped.")] = False,
) -> None:
    """Import OFAC's legacy SDN CSV files (https://www.treasury.gov/ofac/downloads/sdn.csv, add.csv, alt.csv)."""
    from flows.importers.ofac import OfacRelease

    released = _release_date(released)
    with failing_on(FileNotFoundError):
        release = OfacRelease(folder, complete=not sdn_only)
    _run(root, release, released, "ofac", "import ofac", "the legacy CSV files carry no date: the release "
         "date was given to the importer (--released)", program, around, depth, same_as, force,
         accept_delistings)


def _release_date(value: str) -> str:
    """YYYY-MM-DD and a real date: it names the release's files (fromisoformat alone would
    also take 20231228 or 2023-W52-4)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    fail(f"--released: {value!r}: expected a date YYYY-MM-DD")


@import_app.command("un")
def import_un(
    file: Annotated[Path, typer.Argument(help="The UN consolidated list XML (consolidated.xml).")],
    root: RootOption = Path("."),
    program: ProgramOption = None,
    around: AroundOption = None,
    depth: DepthOption = 1,
    same_as: SameAsOption = None,
    force: ForceOption = False,
    accept_delistings: AcceptDelistingsOption = False,
) -> None:
    """Import the UN Security Council consolidated list (https://scsanctions.un.org/resources/xml/en/consolidated.xml)."""
    from flows.importers.model import ListError
    from flows.importers.un import UnRelease

    with failing_on(FileNotFoundError, ListError):
        release = UnRelease(file)
        released = release.generated()  # validated: it names the release's files
    _run(root, release, released, "un", "import un", "the dateGenerated attribute of the file",
         program, around, depth, same_as, force, accept_delistings)


@import_app.command("eu")
def import_eu(
    file: Annotated[Path, typer.Argument(help="The EU Financial Sanctions Files XML 1.1 (xmlFullSanctionsList_1_1).")],
    root: RootOption = Path("."),
    program: ProgramOption = None,
    around: AroundOption = None,
    depth: DepthOption = 1,
    same_as: SameAsOption = None,
    force: ForceOption = False,
    accept_delistings: AcceptDelistingsOption = False,
) -> None:
    """Import the EU consolidated financial sanctions list (https://webgate.ec.europa.eu/fsd/fsf, XML 1.1)."""
    from flows.importers.eu import EuRelease
    from flows.importers.model import ListError

    with failing_on(FileNotFoundError, ListError):
        release = EuRelease(file)
        released = release.generated()  # validated: it names the release's files
    _run(root, release, released, "eu", "import eu", "the generationDate attribute of the file",
         program, around, depth, same_as, force, accept_delistings)


@import_app.command("uk")
def import_uk(
    file: Annotated[Path, typer.Argument(help="OFSI's Consolidated List (ConList.csv in either layout, "
                                              "ConList.xlsx) or the FCDO's UK Sanctions List (.ods, short layout).")],
    released: Annotated[str | None, typer.Option(
        "--released", help="Release date YYYY-MM-DD, for a file that carries none (the FCDO list); an OFSI "
        "file's date is its Last Updated line.")] = None,
    root: RootOption = Path("."),
    program: ProgramOption = None,
    around: AroundOption = None,
    depth: DepthOption = 1,
    same_as: SameAsOption = None,
    force: ForceOption = False,
    accept_delistings: AcceptDelistingsOption = False,
) -> None:
    """Import a UK sanctions list (https://www.gov.uk/government/publications/financial-sanctions-consolidated-list-of-targets, https://www.gov.uk/government/publications/the-uk-sanctions-list); --program takes a regime name, e.g. Russia."""
    from flows.importers.model import ListError
    from flows.importers.uk import UkRelease

    given = _release_date(released) if released is not None else None
    with failing_on(FileNotFoundError, ListError):
        release = UkRelease(file)
    own = release.released()
    if own and given and own != given:
        fail(f"--released {given}: {file} says it was last updated on {own}")
    if not own and not given:
        fail(f"{file}: the file carries no release date: give it with --released YYYY-MM-DD")
    basis = ("the Last Updated line of the file" if own else
             "the file carries no date: the release date was given to the importer (--released)")
    _run(root, release, own or given, "uk", "import uk", basis, program, around, depth, same_as, force,
         accept_delistings)
