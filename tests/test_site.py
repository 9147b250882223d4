"""`flows site OUT` on the real build: a page per record and per source, the search index,
relative links that all lead to a file of the site, hostile values escaped once, and a target
folder that is refused unless new, empty or a previous site."""

from __future__ import annotations

import datetime as dt
import json
import os
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import run_cli
from flows.outputs import site
from flows.publish.descriptor import read_package
from flows.views.query import connect_read_only

SHAHED = "item/shahed-136"


@pytest.fixture(scope="module")
def out(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    code, _, err = run_cli("site", str(out), "--root", str(built))
    assert code == 0, err
    assert "pages" in err and "index.html" in err
    return out


@pytest.fixture(scope="module")
def db(built: Path):
    con = connect_read_only(built)
    yield con
    con.close()


class _Page(HTMLParser):
    """The links of a page and its text, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.hrefs.append(value)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def parsed(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def pages(out: Path) -> dict[Path, _Page]:
    """Every page of `out`, parsed once for the tests that read them all."""
    return {page: parsed(page) for page in out.rglob("*.html")}


def test_every_record_and_source_has_a_page(out: Path, db) -> None:
    ids = [r[0] for r in db.execute("SELECT record_id FROM records UNION ALL SELECT source_id FROM sources").fetchall()]
    missing = [i for i in ids if not (out / site.page_path(i)).is_file()]
    assert missing == []
    pages = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert pages == {site.page_path(i) for i in ids} | {"index.html"}


def test_every_link_leads_to_a_file_of_the_site_or_the_web(out: Path, pages: dict[Path, _Page]) -> None:
    broken, site_root = [], out.resolve()
    leads: dict[tuple[Path, str], bool] = {}  # the pages of a folder share most of their links

    def leads_into_the_site(folder: Path, path: str) -> bool:
        if (folder, path) not in leads:
            target = (folder / unquote(path)).resolve()
            leads[folder, path] = target.is_file() and site_root in target.parents
        return leads[folder, path]

    for page, read in pages.items():
        for href in read.hrefs:
            parts = urlsplit(href)
            if parts.scheme:
                assert parts.scheme in ("http", "https"), (page, href)
                continue
            if not leads_into_the_site(page.parent, parts.path):
                broken.append((page.relative_to(out).as_posix(), href))
    assert broken == []


def test_every_page_states_the_release_version_and_build_date(pages: dict[Path, _Page], built: Path) -> None:
    version = read_package(built)["version"]
    today = dt.datetime.now(dt.timezone.utc).date()
    dates = {today.isoformat(), (today - dt.timedelta(days=1)).isoformat()}  # a run across midnight
    assert pages
    for page, read in pages.items():
        header = next(t for t in read.texts if "site built" in t)
        assert f"release {version} · site built " in header, page
        assert header.rsplit(" ", 1)[-1] in dates, page


def test_record_page_shows_fields_claims_sources_and_links(out: Path, db) -> None:
    page = (out / site.page_path(SHAHED)).read_text(encoding="utf-8")
    name, category = db.execute("SELECT name, category FROM items WHERE item_id = ?", [SHAHED]).fetchone()
    assert f"<h1>{name}</h1>" in page
    assert f"{category.replace('_', ' ')} <code>{category}</code>" in page  # the enum in words, beside its value
    assert ">Geran-2<" in page  # its aliases
    claims = db.execute("SELECT claim_id, claimant_id, evidence_text, evidence_type, source_id, url "
                        "FROM claim_details WHERE record_id = ?", [SHAHED]).fetchall()
    assert claims
    text = "".join(parsed(out / site.page_path(SHAHED)).texts)
    for claim_id, claimant, evidence, kind, source, url in claims:
        assert f'id="{claim_id}" data-evidence-type="{kind}"' in page
        assert evidence in text
        assert f'href="../{site.page_path(claimant)}"' in page and f'href="../{site.page_path(source)}"' in page
        assert url is None or f'href="{url}"' in page
    for (to_id,) in db.execute("SELECT to_record_id FROM links WHERE from_record_id = ?", [SHAHED]).fetchall():
        assert f'href="../{site.page_path(to_id)}"' in page  # links out


def test_paraphrases_are_never_set_in_quotation_marks(out: Path, db) -> None:
    for evidence_type, mark in (("paraphrase", "paraphrase"), ("quote", "quote"), ("list_row", "list row")):
        record_id, evidence = db.execute(
            "SELECT record_id, evidence_text FROM claims WHERE evidence_type = ? ORDER BY claim_id LIMIT 1",
            [evidence_type]).fetchone()
        page = parsed(out / site.page_path(record_id))
        text = "".join(page.texts)
        assert f"{mark} {evidence}" in text or f"{mark} “{evidence}”" in text, evidence_type
        if evidence_type == "paraphrase":
            assert f"“{evidence}”" not in text and f'"{evidence}"' not in text
        if evidence_type == "quote" and not site.quoted_already(evidence):
            assert f"“{evidence}”" in text


def test_actor_page_lists_designations_flows_and_claims_made(out: Path, db) -> None:
    actor = db.execute("SELECT target_actor_id FROM designations ORDER BY designation_id LIMIT 1").fetchone()[0]
    page = (out / site.page_path(actor)).read_text(encoding="utf-8")
    for (reference,) in db.execute("SELECT list_reference FROM designations WHERE target_actor_id = ?", [actor]).fetchall():
        assert f">{reference}<" in page
    supplier, transfer = db.execute("SELECT supplier_id, transfer_id FROM transfers ORDER BY transfer_id LIMIT 1").fetchone()
    page = (out / site.page_path(supplier)).read_text(encoding="utf-8")
    assert 'id="supplied"' in page and f'href="../{site.page_path(transfer)}"' in page
    claimant, record = db.execute("SELECT claimant_id, record_id FROM claims ORDER BY claim_id LIMIT 1").fetchone()
    page = (out / site.page_path(claimant)).read_text(encoding="utf-8")
    assert 'id="claims-made"' in page and f'href="../{site.page_path(record)}"' in page


def test_source_page_lists_every_claim_taken_from_it(out: Path, db) -> None:
    source, title, url = db.execute("SELECT source_id, title, url FROM sources WHERE url IS NOT NULL "
                                    "ORDER BY source_id LIMIT 1").fetchone()
    page = (out / site.page_path(source)).read_text(encoding="utf-8")
    claims = [r[0] for r in db.execute("SELECT claim_id FROM claims WHERE source_id = ?", [source]).fetchall()]
    assert page.count('<article class="claim"') == len(claims)
    assert all(f'id="{c}"' in page for c in claims)
    assert f'href="{url}"' in page


def test_search_index_finds_shahed_by_name_and_by_its_geran_alias(out: Path) -> None:
    entries = json.loads((out / "search-index.json").read_text(encoding="utf-8"))
    shahed = next(e for e in entries if e["id"] == SHAHED)
    assert shahed["page"] == site.page_path(SHAHED) and (out / shahed["page"]).is_file()
    assert "shahed" in shahed["name"].lower() and "Geran-2" in shahed["aliases"]
    script = (out / "search-index.js").read_text(encoding="utf-8")
    assert json.loads(script.removeprefix("window.FLOWS_SEARCH_INDEX = ").rstrip().removesuffix(";")) == entries
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<script src="search-index.js"></script>' in index and '<script src="search.js"></script>' in index


# --- hostile values: escaped once; only http(s) becomes a link; odd ids get a safe file name ---

SCRIPT = "<script>alert(1)</script>"
ENTITY = "AT&amp;T & Sons"
NOT_LINKS = ["javascript:alert(1)", "JavaScript:alert(1)", " https://example.org", "data:text/html,<b>x</b>",
             "file:///etc/passwd"]


def test_hostile_values_are_escaped_once_and_never_links(built: Path) -> None:
    con = connect_read_only(built)
    try:
        data = site.load(con, {**read_package(built), "title": SCRIPT, "version": ENTITY})
    finally:
        con.close()
    claims = data.claims.rows
    first = claims[0]
    hostile_id = "transfer/../../etc/evil"
    data.labels[first.record_id] = SCRIPT
    claims[0] = first._replace(evidence_text=SCRIPT, url=NOT_LINKS[0], evidence_type="quote")
    for i, url in enumerate(NOT_LINKS[1:], start=1):
        claims[i] = claims[i]._replace(url=url)
    data.claims = site.Rows.__new__(site.Rows)
    data.claims.rows, data.claims.indexes = claims, {}
    files = site.render_site(data, dt.date(2026, 1, 2))
    page = files[site.page_path(first.record_id)].decode()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "AT&amp;amp;T &amp; Sons" in page and "&amp;amp;amp;" not in page
    for url in NOT_LINKS:
        assert f'href="{url}"' not in page and f"href='{url}'" not in page
    assert site.page_path(hostile_id).startswith("transfer/_") and ".." not in site.page_path(hostile_id)
    assert "<script" not in files["index.html"].decode().replace('<script src="search-index.js"></script>', "") \
        .replace('<script src="search.js"></script>', "")


# --- the target folder ------------------------------------------------------------------------

def test_refuses_a_folder_that_is_not_a_site_and_writes_nothing(built: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    code, _, err = run_cli("site", str(mine), "--root", str(built))
    assert code == 1 and "not empty and holds no flows site" in err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    file = tmp_path / "file"
    file.write_text("x")
    code, _, err = run_cli("site", str(file), "--root", str(built))
    assert code == 1 and "is not a folder" in err


def test_refuses_links_and_rewrites_a_previous_site(built: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    code, _, err = run_cli("site", str(link), "--root", str(built))
    assert code == 1 and "is a link" in err and not any(elsewhere.iterdir())

    out = tmp_path / "site"
    code, _, err = run_cli("site", str(out), "--root", str(built))
    assert code == 0, err
    (out / "transfer" / "gone.html").write_text("a page of an older release")
    manifest = out / site.MANIFEST
    manifest.write_text(manifest.read_text() + "transfer/gone.html\n")
    code, _, err = run_cli("site", str(out), "--root", str(built))
    assert code == 0, err
    assert not (out / "transfer" / "gone.html").exists()  # the older release's page removed
    assert not list(out.rglob("*.tmp"))

    # A folder of the previous site replaced by a link: refused, nothing written through it.
    shutil_target = tmp_path / "outside"
    shutil_target.mkdir()
    for page in (out / "event").iterdir():
        page.unlink()
    (out / "event").rmdir()
    (out / "event").symlink_to(shutil_target)
    code, _, err = run_cli("site", str(out), "--root", str(built))
    assert code == 1 and "never written through links" in err
    assert not any(shutil_target.iterdir())
    assert os.path.islink(out / "event")
