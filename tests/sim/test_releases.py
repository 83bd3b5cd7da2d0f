"""The release history, its upgrade packages and the faulty packages (no servers needed)."""
from __future__ import annotations

import hashlib
import json
import re
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from sippsim import faults, release

STATIC_FAULTS = {"checksum_mismatch", "path_escape", "symlink_entry", "truncated_archive", "wrong_from_version",
                 "version_not_bumped"}
RUNTIME_FAULTS = {"php_fatal", "migration_fails_halfway"}  # proven against a database in test_schema.py


def check_package(path: Path) -> set[str]:
    """The rules of docs/upgrade-package.md, as a consumer would enforce them: the set of broken rules."""
    problems = set()
    digest, name = path.with_name(path.name + ".sha256").read_text().split()
    if digest != hashlib.sha256(path.read_bytes()).hexdigest() or name != path.name:
        problems.add("sidecar_mismatch")
    try:
        zf = zipfile.ZipFile(path)
        if zf.testzip() is not None:
            return problems | {"truncated_archive"}
    except zipfile.BadZipFile:
        return problems | {"truncated_archive"}
    with zf:
        for info in zf.infolist():
            parts = info.filename.split("/")
            if info.filename.startswith("/") or "\\" in info.filename or ".." in parts or "" in parts[:-1]:
                problems.add("path_escape")
            if not stat.S_ISREG(info.external_attr >> 16):
                problems.add("symlink_entry" if stat.S_ISLNK(info.external_attr >> 16) else "not_a_file")
            if info.filename != "manifest.json" and parts[0] not in ("app", "sql"):
                problems.add("unexpected_entry")
        manifest = json.loads(zf.read("manifest.json"))
        app = {n[4:]: zf.read(n) for n in zf.namelist() if n.startswith("app/")}
        sql = {n[4:]: zf.read(n) for n in zf.namelist() if n.startswith("sql/")}
    if manifest.get("format") != 1:
        problems.add("format")
    if set(app) != set(manifest["files"]) or set(sql) != {m["file"] for m in manifest["migrations"]}:
        problems.add("unlisted_or_missing")
    for rel, data in app.items():
        if manifest["files"].get(rel) != hashlib.sha256(data).hexdigest():
            problems.add("checksum_mismatch")
    for m in manifest["migrations"]:
        if m["file"] in sql and m["sha256"] != hashlib.sha256(sql[m["file"]]).hexdigest():
            problems.add("checksum_mismatch")
    if set(release.PROTECTED_PATHS) & (set(app) | set(manifest["delete"])) or set(app) & set(manifest["delete"]):
        problems.add("protected_or_conflicting_path")
    versions = release.VERSIONS
    if (manifest["from_version"] not in versions or manifest["to_version"] not in versions
            or versions.index(manifest["to_version"]) != versions.index(manifest["from_version"]) + 1):
        problems.add("wrong_from_version")
    if manifest["migrations"]:
        last = sql[manifest["migrations"][-1]["file"]].decode()
        if not last.rstrip().endswith(release.VERSION_ROW_SQL.format(version=manifest["to_version"])):
            problems.add("version_not_bumped")
    return problems


def package_entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def tree_snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode, int(p.stat().st_mtime))
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> list[Path]:
    return release.build_packages(tmp_path_factory.mktemp("packages"))


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("faulty")
    return out, faults.build_faulty(out)


def test_release_json_and_sql_agree():
    deleting = []
    for i, version in enumerate(release.VERSIONS):
        info = release.release_info(version)
        assert info["to_version"] == version
        assert info["from_version"] == (release.VERSIONS[i - 1] if i else None)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", info["release_date"])
        assert info["release_notes"].startswith(f"SIPP versi {version}")
        steps = release.migrations(version)
        assert info["requires_assistance"] is bool(steps)
        assert ("sys_config" in info["tables_changed"]) is (bool(steps) and i > 0)
        if steps and i > 0:
            assert steps[-1].read_text().rstrip().endswith(f"UPDATE sys_config SET value='{version}' WHERE id=80;")
        deleting += info["delete"]
    assert deleting, "at least one release deletes a file"
    assert not (release.RELEASES_DIR / "5.2.1" / "sql").exists(), "5.2.1 is mandiri: no sql folder"


def test_sql_files_in_chain_order():
    files = release.sql_files("5.3.0")
    assert files[0].name == "000_schema.sql"
    assert [f.parent.parent.name for f in files] == sorted((f.parent.parent.name for f in files),
                                                          key=release.VERSIONS.index)
    assert release.sql_files("5.2.1") == release.sql_files("5.2.0")
    statements = release.sql_statements(files[0])
    assert sum(s.startswith("CREATE TABLE ") for s in statements) == 21
    assert statements[-1].startswith("CREATE OR REPLACE VIEW v_perkara_dashboard AS")
    assert len(statements) == 22


def test_public_schema_matches_local_publication_tables():
    def tables(path):
        return {m.group(1): m.group(0) for m in
                re.finditer(r"CREATE TABLE (\w+) \(.*?\) ENGINE=InnoDB DEFAULT CHARSET=latin1", path.read_text(), re.S)}

    local, public = tables(release.sql_files("5.0.0")[0]), tables(release.PUBLIC_SCHEMA_SQL)
    assert set(public) == {"dataumumweb", "jadwalsidangweb", "pihakweb", "perkaraputusanweb", "sys_sinkronisasi"}
    for name in ("dataumumweb", "jadwalsidangweb", "pihakweb", "perkaraputusanweb"):
        assert public[name] == local[name]
    assert "DELIMITER" not in release.PUBLIC_PROCEDURE_SQL.read_text()


def test_build_tree_is_deterministic(tmp_path):
    for version in release.VERSIONS:
        a, b = tmp_path / version / "a", tmp_path / version / "b"
        release.build_tree(version, a)
        release.build_tree(version, b)
        assert tree_snapshot(a) == tree_snapshot(b)
        assert not any((a / p).exists() for p in release.PROTECTED_PATHS)
        constants = (a / "application/config/constants.php").read_text()
        assert f"define('SIPP_VERSI_KODE', '{version}');" in constants
    assert not (tmp_path / "5.3.0/a/resources/js/sipp.js").exists()
    assert not (tmp_path / "5.1.0/a/resources/js/jquery.placeholder.min.js").exists()
    assert (tmp_path / "5.0.0/a/resources/file/.htaccess").exists()


def test_php_sources_lint(tmp_path):
    release.build_tree("5.3.0", tmp_path)
    for version in release.VERSIONS:
        for rel, src in release.overlay_files(version).items():
            if rel.endswith(".php"):
                out = subprocess.run(["php", "-l", str(src)], capture_output=True, text=True)
                assert out.returncode == 0, out.stdout + out.stderr


def test_packages_are_deterministic(packages, tmp_path):
    again = release.build_packages(tmp_path)
    assert [p.name for p in packages] == [p.name for p in again]
    for a, b in zip(packages, again):
        assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(packages[0]) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {(2023, 2, 15, 0, 0, 0)}


def test_good_packages_verify_and_chain(packages):
    previous = "5.0.0"
    for path in packages:
        assert check_package(path) == set(), path.name
        manifest = json.loads(package_entries(path)["manifest.json"])
        assert manifest["from_version"] == previous
        assert path.name == f"sipp-{manifest['from_version']}-{manifest['to_version']}.zip"
        previous = manifest["to_version"]
    assert previous == release.VERSIONS[-1]
    mandiri = [p for p in packages if not json.loads(package_entries(p)["manifest.json"])["migrations"]]
    assert [p.name for p in mandiri] == ["sipp-5.2.0-5.2.1.zip"]
    assert json.loads(package_entries(mandiri[0])["manifest.json"])["requires_assistance"] is False
    assert not any(n.startswith("sql/") for n in package_entries(mandiri[0]))


def test_chain_of_packages_rebuilds_the_latest_tree(packages, tmp_path):
    """5.0.0 tree + every package (write files, remove deletes) == the 5.3.0 tree, file for file."""
    current = release.build_tree("5.0.0", tmp_path / "court")
    for path in packages:
        entries = package_entries(path)
        manifest = json.loads(entries["manifest.json"])
        for rel in manifest["files"]:
            target = current / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(entries["app/" + rel])
        for rel in manifest["delete"]:
            (current / rel).unlink(missing_ok=True)
    expected = release.build_tree("5.3.0", tmp_path / "expected")
    assert {k: v[0] for k, v in tree_snapshot(current).items()} == {k: v[0] for k, v in tree_snapshot(expected).items()}


def test_faulty_packages_have_exactly_their_defect(faulty, packages):
    out, labels = faulty
    assert json.loads((out / "FAULTS.json").read_text()) == labels
    assert {meta["breaks"] for meta in labels.values()} == STATIC_FAULTS | RUNTIME_FAULTS
    good = {p.name: p for p in packages}
    for name, meta in labels.items():
        path = out / name
        assert meta["base"] in good and meta["description"]
        expected = {meta["breaks"]} if meta["breaks"] in STATIC_FAULTS else set()
        assert check_package(path) == expected, name
        if meta["breaks"] in RUNTIME_FAULTS:
            # only one file differs from the good package (besides the manifest's checksum of it)
            bad, base = package_entries(path), package_entries(good[meta["base"]])
            assert bad.keys() == base.keys()
            assert [n for n in bad if bad[n] != base[n] and n != "manifest.json"] == (
                ["app/application/views/templates/footer.php"] if meta["breaks"] == "php_fatal"
                else ["sql/002_putusan_elektronik.sql"])


def test_faulty_details(faulty, tmp_path):
    out, labels = faulty
    by_label = {meta["breaks"]: out / name for name, meta in labels.items()}
    with zipfile.ZipFile(by_label["symlink_entry"]) as zf:
        links = [i for i in zf.infolist() if stat.S_ISLNK(i.external_attr >> 16)]
        assert [zf.read(i) for i in links] == [b"/etc/shadow"]
    with zipfile.ZipFile(by_label["path_escape"]) as zf:
        assert [n for n in zf.namelist() if ".." in n.split("/")] == ["app/../../../etc/cron.d/sipp-update"]
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(by_label["truncated_archive"])
    fatal = package_entries(by_label["php_fatal"])["app/application/views/templates/footer.php"]
    assert b"sipp_format_versi(" in fatal
    tree = release.build_tree("5.3.0", tmp_path)
    assert not any(b"function sipp_format_versi" in p.read_bytes() for p in tree.rglob("*.php"))
    manifest = json.loads(package_entries(by_label["wrong_from_version"])["manifest.json"])
    assert manifest["from_version"] not in release.VERSIONS
