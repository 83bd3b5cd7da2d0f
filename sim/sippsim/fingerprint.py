"""A court's fingerprint, taken by the simulator itself (an independent witness of "nothing lost"):
version and maintenance switch, every table's row count, CHECKSUM TABLE and structure, and a digest of the
application folder (path, mode, size and content of every file; symlinks by their target, and what a
symlink pointing out of the folder holds).
"""
import hashlib
import os
import re


def _structure(create_sql):
    # the AUTO_INCREMENT counter is not structure (InnoDB may hand a restored table a different one)
    return hashlib.sha256(re.sub(r" AUTO_INCREMENT=\d+", "", create_sql).encode("utf-8")).hexdigest()


def database(court):
    conn = court.sipp_server().connect(court.db_name)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW FULL TABLES")
            names = sorted((r[0], r[1]) for r in cur.fetchall())
            tables = {}
            for name, kind in names:
                quoted = "`%s`" % name.replace("`", "``")
                cur.execute("SHOW CREATE %s %s" % ("VIEW" if kind == "VIEW" else "TABLE", quoted))
                create = cur.fetchone()[1]
                if kind == "VIEW":
                    tables[name] = {"kind": "view", "structure": _structure(create)}
                    continue
                cur.execute("SELECT COUNT(*) FROM %s" % quoted)
                rows = cur.fetchone()[0]
                cur.execute("CHECKSUM TABLE %s EXTENDED" % quoted)
                tables[name] = {"kind": "table", "rows": rows, "checksum": cur.fetchone()[1],
                                "structure": _structure(create)}
            cur.execute("SELECT id, value FROM sys_config WHERE id IN (6, 80)")
            config = dict(cur.fetchall())
    finally:
        conn.close()
    return {"version": config.get(80), "site_offline": str(config.get(6)) == "1", "tables": tables}


def _outside(path, root):
    real = os.path.realpath(path)
    return real != root and not real.startswith(root.rstrip("/") + "/")


def tree(root):
    """sha256 over every path, mode, size and content under root, and the number of files. A symlink of the tree
    that points outside it (uploads on another disk) counts as its target and what it holds, under the link's
    path: a backup and a restore must keep both."""
    digest = hashlib.sha256()
    count = 0
    real_root = os.path.realpath(str(root))

    def add(path, rel):
        st = os.lstat(path)
        digest.update(("%s %o %d\n" % (rel, st.st_mode, st.st_size)).encode("utf-8", "surrogateescape"))
        if os.path.islink(path):
            digest.update(os.readlink(path).encode("utf-8", "surrogateescape"))
            if os.path.isfile(path) and _outside(path, real_root):
                add(os.path.realpath(path), rel + "/=")
        else:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)

    def walk(top, prefix, follow):
        nonlocal count
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
                path = os.path.join(dirpath, name)
                rel = os.path.join(prefix, os.path.relpath(path, top))
                add(path, rel)
                count += 1
                if follow and os.path.islink(path) and os.path.isdir(path) and _outside(path, real_root):
                    walk(os.path.realpath(path), rel, False)

    walk(str(root), "", True)
    return {"digest": digest.hexdigest(), "files": count}


def fingerprint(court):
    out = database(court)
    out["app_tree"] = tree(court.app_dir)
    if os.path.islink(str(court.app_dir)):
        # the release layout: which release the application folder's link points to, as written
        out["app_link"] = os.readlink(str(court.app_dir))
    return out


def differences(before, after):
    """What differs between two fingerprints, in words (empty: identical)."""
    out = []
    for key in ("version", "site_offline", "app_link"):
        if before.get(key) != after.get(key):
            out.append("%s: %r -> %r" % (key, before.get(key), after.get(key)))
    tb, ta = before.get("tables", {}), after.get("tables", {})
    for name in sorted(set(tb) | set(ta)):
        if name not in ta:
            out.append("table %s missing" % name)
        elif name not in tb:
            out.append("table %s added" % name)
        elif tb[name] != ta[name]:
            fields = [f for f in ("rows", "checksum", "structure") if tb[name].get(f) != ta[name].get(f)]
            out.append("table %s: %s differ" % (name, ", ".join(fields)))
    if before.get("app_tree") != after.get("app_tree"):
        out.append("application folder differs (%s files -> %s files)"
                   % (before.get("app_tree", {}).get("files"), after.get("app_tree", {}).get("files")))
    return out
