# -*- coding: utf-8 -*-
"""The release and its changelog kept in step (antsibull-changelog, as Ansible collections release).

- the fragments and changelogs/changelog.yaml lint (antsibull-changelog's own linters);
- every plugin's version_added is the release that first shipped it (listed there by antsibull-changelog), or, for a
  plugin not yet released, the version galaxy.yml is working towards;
- every role and playbook is listed as new in a release, or in a fragment of the coming one (``add object.role`` and
  ``add object.playbook``: antsibull-changelog does not find them by itself);
- CHANGELOG.rst is what antsibull-changelog generates from changelog.yaml;
- a fragment for every user-visible change: each commit after the last release that changes what the collection ships
  adds or changes a fragment (``trivial`` is the section for a change nobody sees).

Needs antsibull-changelog (requirements.txt); fails, never skips, when it is missing. The last check reads git's
history and is skipped only where there is none (a shallow clone says so).
"""

from __future__ import (absolute_import, division, print_function)

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHANGELOG = shutil.which("antsibull-changelog", path=str(Path(sys.executable).parent))
# What the collection ships (galaxy.yml's build_ignore leaves the rest out) and a user sees: a change to any of these
# needs a fragment. Tests, documentation (*.md) and the developers' tools do not.
SHIPPED = ("plugins/", "roles/", "playbooks/", "meta/", "awx/", "inventories/", "galaxy.yml",
           "execution-environment.yml")


def _run(*args, cwd=REPO):
    assert CHANGELOG, "antsibull-changelog is missing from %s: run make setup" % Path(sys.executable).parent
    return subprocess.run([CHANGELOG] + [str(a) for a in args], cwd=str(cwd), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def _yaml(path):
    with open(str(path), encoding="utf-8") as f:
        return yaml.safe_load(f)


def _version(text):
    return tuple(int(p) for p in text.split("."))


def _changelog():
    return _yaml(REPO / "changelogs" / "changelog.yaml")


def _fragments():
    return {p.name: _yaml(p) for p in sorted((REPO / "changelogs" / "fragments").glob("*.y*ml"))}


def _plugin_docs():
    """{(type, name): version_added} of every documented plugin: modules and lookups (DOCUMENTATION), filters
    (their .yml)."""
    found = {}
    for kind in ("modules", "lookup"):
        for path in sorted((REPO / "plugins" / kind).glob("*.py")):
            if path.name == "__init__.py":
                continue
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "DOCUMENTATION" for t in node.targets):
                    doc = yaml.safe_load(node.value.value)
                    found[("module" if kind == "modules" else kind, path.stem)] = doc.get("version_added")
    for path in sorted((REPO / "plugins" / "filter").glob("*.yml")):
        found[("filter", path.stem)] = _yaml(path)["DOCUMENTATION"].get("version_added")
    return found


def test_fragments_and_changelog_lint():
    proc = _run("lint")
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout
    proc = _run("lint-changelog-yaml", "--strict", REPO / "changelogs" / "changelog.yaml")
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout


def test_every_plugin_says_the_release_that_first_shipped_it():
    galaxy = _yaml(REPO / "galaxy.yml")["version"]
    releases = _changelog().get("releases") or {}
    released = {}
    for version, release in releases.items():
        for name in [m["name"] for m in release.get("modules", [])]:
            released.setdefault(("module", name), version)
        for kind, plugins in (release.get("plugins") or {}).items():
            for p in plugins:
                released.setdefault((kind, p["name"]), version)
    assert all(_version(galaxy) >= _version(v) for v in releases), (galaxy, sorted(releases))
    wrong = {}
    for key, added in _plugin_docs().items():
        want = released.get(key, galaxy)
        if added != want:
            wrong["%s %s" % key] = (added, want)
    assert not wrong, "version_added (given, expected): %s" % wrong
    # and nothing released that is gone without a word
    gone = set(released) - set(_plugin_docs())
    assert not gone, gone


def test_every_role_and_playbook_is_announced():
    listed = {"role": set(), "playbook": set()}
    for release in (_changelog().get("releases") or {}).values():
        for kind, objects in (release.get("objects") or {}).items():
            listed.setdefault(kind, set()).update(o["name"] for o in objects)
    for fragment in _fragments().values():
        for kind in ("role", "playbook"):
            listed[kind].update(o["name"] for o in fragment.get("add object.%s" % kind, []))
    roles = {p.parent.parent.name for p in (REPO / "roles").glob("*/meta/argument_specs.yml")}
    playbooks = {p.stem for p in (REPO / "playbooks").glob("*.yml")}
    assert roles and roles == listed["role"]
    assert playbooks and playbooks == listed["playbook"]


def test_changelog_rst_is_generated_from_changelog_yaml(tmp_path):
    copy = tmp_path / "collection"
    (copy / "changelogs").mkdir(parents=True)
    shutil.copy(str(REPO / "galaxy.yml"), str(copy))
    for name in ("config.yaml", "changelog.yaml"):
        shutil.copy(str(REPO / "changelogs" / name), str(copy / "changelogs"))
    (copy / "changelogs" / "fragments").mkdir()
    rst = REPO / "CHANGELOG.rst"
    if not _changelog().get("releases"):
        assert not rst.exists(), "CHANGELOG.rst without a release in changelogs/changelog.yaml"
        return
    proc = _run("generate", cwd=copy)
    assert proc.returncode == 0, proc.stdout
    assert rst.read_text(encoding="utf-8") == (copy / "CHANGELOG.rst").read_text(encoding="utf-8"), \
        "CHANGELOG.rst is not what changelogs/changelog.yaml gives: run make release-notes"


def _git(*args):
    return subprocess.run(["git"] + list(args), cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)


def test_a_fragment_for_every_user_visible_change_since_the_release():
    if not (REPO / ".git").exists():
        pytest.skip("no git history here")
    if _git("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        pytest.skip("a shallow clone: the history since the last release may be missing")
    if not _changelog().get("releases"):
        pytest.skip("nothing released yet: the first release takes every fragment")
    # the release commit: the last one that changed changelog.yaml (a release rewrites it and removes the fragments)
    release = _git("log", "-1", "--format=%H", "--", "changelogs/changelog.yaml").stdout.strip()
    assert release
    missing = []
    for commit in _git("rev-list", "--no-merges", "%s..HEAD" % release).stdout.split():
        files = _git("diff-tree", "--no-commit-id", "--name-only", "-r", commit).stdout.split()
        shipped = [f for f in files if f.startswith(SHIPPED) and not f.endswith(".md")]  # documentation needs none
        if shipped and not any(re.match(r"changelogs/fragments/.+\.ya?ml$", f) for f in files):
            missing.append("%s %s (%s)" % (commit[:8], _git("log", "-1", "--format=%s", commit).stdout.strip()[:60],
                                           ", ".join(shipped[:3])))
    assert not missing, "commits that change what the collection ships without a changelog fragment: %s" % missing


def test_the_tarball_ships_what_runs_from_it(tmp_path):
    """galaxy.yml's build_ignore: the playbooks, roles, plugins, docs and examples; no test, simulator or developer's
    tool (they need this repository), no Python file that imports the simulator."""
    import tarfile

    from sipptest import build_tarball

    tarball = build_tarball(tmp_path)
    with tarfile.open(str(tarball)) as tar:
        names = set(tar.getnames())
        python = {n: tar.extractfile(n).read().decode("utf-8") for n in names if n.endswith(".py")}
    for wanted in ("MANIFEST.json", "FILES.json", "README.md", "LICENSE", "meta/runtime.yml", "playbooks/upgrade.yml",
                   "roles/sop/tasks/main.yml", "plugins/modules/sipp_info.py", "changelogs/changelog.yaml",
                   "inventories/example/hosts.yml", "inventories/example/ansible.cfg", "execution-environment.yml",
                   "docs/upgrade-package.md"):
        assert wanted in names, wanted
    for unwanted in ("tests", "sim", "bench", "molecule", "scripts", "Makefile", "ansible.cfg", "requirements.txt",
                     "pytest.ini", ".ansible-lint", ".ci", ".gitignore"):
        assert not [n for n in names if n == unwanted or n.startswith(unwanted + "/")], unwanted
    assert not [n for n in names if n.endswith((".pyc", ".tar.gz"))]
    assert not [n for n, text in python.items() if re.search(r"^\s*(from|import) (sippsim|sipptest)\b", text, re.M)]
    if (REPO / "CHANGELOG.rst").exists():
        assert "CHANGELOG.rst" in names


def test_requires_ansible_holds_the_tested_releases():
    """meta/runtime.yml's requires_ansible admits each ansible-core the tests run (the three virtual environments'
    pins, the execution environment's among them) and starts at the oldest."""
    from packaging.specifiers import SpecifierSet

    spec = SpecifierSet(_yaml(REPO / "meta" / "runtime.yml")["requires_ansible"])
    pins = []
    for requirements in ("requirements-2.16.txt", "requirements.txt", "requirements-2.21.txt"):
        pin = [ln.split("==")[1].strip() for ln in (REPO / requirements).read_text().splitlines()
               if ln.startswith("ansible-core==")]
        assert len(pin) == 1, requirements
        pins.append(pin[0])
    assert all(pin in spec for pin in pins), (str(spec), pins)
    oldest = ".".join(pins[0].split(".")[:2]) + ".0"
    assert ">=" + oldest in str(spec)
