"""The SIPP release history and its upgrade packages.

`releases/<version>/` holds `release.json`, `app/` (files laid over the previous version's tree; 5.0.0 holds the
whole base tree) and `sql/NNN_*.sql` (5.0.0: the whole schema; later versions: migrations). The package format is
described in docs/upgrade-package.md.
"""
from __future__ import annotations

import calendar
import hashlib
import json
import os
import re
import zipfile
from pathlib import Path

RELEASES_DIR = Path(__file__).resolve().parent / "releases"
PUBLIC_SCHEMA_SQL = RELEASES_DIR / "sql" / "public_schema.sql"
PUBLIC_PROCEDURE_SQL = RELEASES_DIR / "sql" / "public_procedure.sql"
VERSIONS = ("5.0.0", "5.1.0", "5.2.0", "5.2.1", "5.3.0")
BASE_VERSION = VERSIONS[0]
PACKAGE_FORMAT = 1
# Per-court files: never in a release tree or a package, never overwritten by an upgrade.
PROTECTED_PATHS = ("application/config/config.php", "application/config/database.php")
FILE_MODE = 0o644
DIR_MODE = 0o755
VERSION_ROW_SQL = "UPDATE sys_config SET value='{version}' WHERE id=80;"


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise ValueError(f"unknown SIPP version {version!r}; known: {', '.join(VERSIONS)}")


def versions_upto(version: str) -> list[str]:
    _check_version(version)
    return list(VERSIONS[: VERSIONS.index(version) + 1])


def release_info(version: str) -> dict:
    """release.json of a version: from_version, to_version, release_date, requires_assistance, release_notes,
    delete, tables_changed."""
    _check_version(version)
    return json.loads((RELEASES_DIR / version / "release.json").read_text(encoding="utf-8"))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def overlay_files(version: str) -> dict[str, Path]:
    """The files a release lays over the previous tree: path relative to the application folder -> source."""
    _check_version(version)
    root = RELEASES_DIR / version / "app"
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def migrations(version: str) -> list[Path]:
    """The SQL files of one release, in order (for 5.0.0: the whole schema)."""
    _check_version(version)
    return sorted((RELEASES_DIR / version / "sql").glob("[0-9][0-9][0-9]_*.sql"))


def sql_files(upto_version: str) -> list[Path]:
    """000_schema.sql, then the migrations of every release up to and including upto_version, in order."""
    return [path for version in versions_upto(upto_version) for path in migrations(version)]


def sql_statements(sql: str | Path) -> list[str]:
    """Split a release SQL file into statements for a DB-API cursor.

    Release SQL is written for this: full-line `--` comments only, every statement ends with `;` at the end of a
    line, no `;` inside strings, no DELIMITER. (public_procedure.sql is one statement: execute it whole.)"""
    text = sql.read_text(encoding="utf-8") if isinstance(sql, Path) else sql
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in re.split(r";[ \t]*$", "\n".join(lines), flags=re.M) if s.strip()]


def tree_files(version: str) -> dict[str, tuple[Path, str]]:
    """The application tree of a version: relative path -> (source file, version that last provided it)."""
    files: dict[str, tuple[Path, str]] = {}
    for step in versions_upto(version):
        for rel in release_info(step).get("delete", []):
            files.pop(rel, None)
        for rel, src in overlay_files(step).items():
            files[rel] = (src, step)
    return dict(sorted(files.items()))


def release_timestamp(version: str) -> tuple[int, int, int, int, int, int]:
    year, month, day = (int(x) for x in release_info(version)["release_date"].split("-"))
    return (year, month, day, 0, 0, 0)


def build_tree(version: str, dest: Path | str) -> Path:
    """Write the application tree of `version` into dest (created if needed; other files such as
    application/config/database.php or uploads are left alone, files deleted by a release are removed).
    Contents, modes (0644/0755) and mtimes (the date of the release that last changed the file) are the same on
    every call."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for step in versions_upto(version):
        for rel in release_info(step).get("delete", []):
            target = dest / rel
            if target.is_file() or target.is_symlink():
                target.unlink()
    directories = {dest}
    for rel, (src, step) in tree_files(version).items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        directories.update(target.parents[: len(Path(rel).parts) - 1])
        if target.is_symlink():
            target.unlink()
        target.write_bytes(src.read_bytes())
        os.chmod(target, FILE_MODE)
        stamp = calendar.timegm(release_timestamp(step))
        os.utime(target, (stamp, stamp))
    for directory in directories:
        os.chmod(directory, DIR_MODE)
    return dest


def package_name(from_version: str, to_version: str, suffix: str = "") -> str:
    return f"sipp-{from_version}-{to_version}{'-' + suffix if suffix else ''}.zip"


def package_entries(from_version: str, to_version: str) -> dict[str, bytes]:
    """Every entry of the good package of release `to_version` (whose from_version must be `from_version`):
    manifest.json, app/<path> and sql/<file>."""
    info = release_info(to_version)
    if to_version == BASE_VERSION or info["from_version"] != from_version:
        raise ValueError(f"no release goes from {from_version} to {to_version}")
    entries: dict[str, bytes] = {}
    files = {}
    for rel, src in overlay_files(to_version).items():
        data = src.read_bytes()
        entries[f"app/{rel}"] = data
        files[rel] = sha256_bytes(data)
    steps = []
    for path in migrations(to_version):
        data = path.read_bytes()
        entries[f"sql/{path.name}"] = data
        steps.append({"file": path.name, "sha256": sha256_bytes(data)})
    manifest = {
        "format": PACKAGE_FORMAT,
        "from_version": from_version,
        "to_version": to_version,
        "release_date": info["release_date"],
        "requires_assistance": bool(steps),
        "release_notes": info["release_notes"],
        "files": files,
        "delete": list(info.get("delete", [])),
        "migrations": steps,
        "tables_changed": list(info.get("tables_changed", [])),
    }
    entries["manifest.json"] = manifest_bytes(manifest)
    return entries


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_package(path: Path, entries: dict[str, bytes], date_time=(2024, 1, 1, 0, 0, 0),
                  modes: dict[str, int] | None = None) -> Path:
    """Write a deterministic zip (sorted entries, fixed timestamps, deflate level 9) and `<zip>.sha256` beside it.
    `modes` gives an entry a Unix mode other than a regular 0644 file (e.g. 0o120777 for a symlink)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    modes = modes or {}
    with zipfile.ZipFile(path, "w") as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so external_attr carries the mode
            info.external_attr = (modes.get(name, 0o100000 | FILE_MODE) & 0xFFFF) << 16
            zf.writestr(info, entries[name], compresslevel=9)
    write_sha256(path)
    return path


def write_sha256(path: Path) -> Path:
    """`<zip>.sha256` in sha256sum format: `<hex>  <name>`."""
    side = path.with_name(path.name + ".sha256")
    side.write_text(f"{sha256_file(path)}  {path.name}\n", encoding="ascii")
    return side


def build_package(from_version: str, to_version: str, outdir: Path | str) -> Path:
    """outdir/sipp-<from>-<to>.zip (+ .sha256) for the release to_version."""
    entries = package_entries(from_version, to_version)
    return write_package(Path(outdir) / package_name(from_version, to_version), entries,
                         date_time=release_timestamp(to_version))


def build_packages(outdir: Path | str) -> list[Path]:
    """One package per release after 5.0.0, in chain order."""
    return [build_package(release_info(v)["from_version"], v, outdir) for v in VERSIONS[1:]]
