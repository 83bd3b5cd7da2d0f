"""Every role: argument specs document every default with the same value, and public variables carry the role's
prefix (sipp_<role>_), as prometheus.prometheus keeps its roles. The SOP role carries the upgrade playbook and takes
its variables under the names operators and AWX surveys give them (sipp_upgrade_*, sipp_campaign_*, sipp_run_id and
the court variables every playbook reads)."""
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COURT_VARIABLES = set(yaml.safe_load((ROOT / "playbooks" / "vars" / "argument_specs.yml").read_text())
                      ["argument_specs"]["court"]["options"])
# the role that carries a playbook takes that playbook's names
CARRIER_NAMES = {"sop": ("sipp_upgrade_", "sipp_campaign_", "sipp_run_id")}

ROLES = sorted(p for p in (Path(__file__).resolve().parents[2] / "roles").iterdir()
               if p.is_dir() and not p.name.startswith("_"))


def test_there_are_roles():
    assert ROLES, "no roles found"


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_argument_specs_match_defaults(role):
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    prefix = "sipp_%s_" % role.name
    allowed = (prefix,) + CARRIER_NAMES.get(role.name, ())
    for name in list(defaults) + list(specs):
        if role.name in CARRIER_NAMES and name in COURT_VARIABLES:
            continue
        assert name.startswith(allowed), "%s: public variable %s lacks the prefix %s" % (role.name, name, prefix)
    assert set(defaults) == {k for k, v in specs.items() if "default" in v}, role.name
    for name, value in defaults.items():
        assert specs[name]["default"] == value, "%s: %s default differs between defaults and specs" % (role.name,
                                                                                                       name)
        assert specs[name].get("description"), "%s: %s is undocumented" % (role.name, name)
        if "choices" in specs[name] and not (isinstance(value, str) and "{{" in value):
            assert set(value if isinstance(value, list) else [value]) <= set(specs[name]["choices"]), name


def test_the_sop_role_documents_every_variable_the_upgrade_playbook_reads():
    """ansible-doc -t role pengadilan.sipp.sop is the upgrade playbook's reference: every sipp_* variable the playbook
    and the role read is declared there, unless another role declares it or the collection sets it (a fact)."""
    import re
    declarations = yaml.safe_load((ROOT / "playbooks" / "vars" / "argument_specs.yml").read_text())
    facts = set(declarations["sipp_facts"])
    sop = yaml.safe_load((ROOT / "roles" / "sop" / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    documented = set(sop["main"]["options"])
    others = tuple("sipp_%s_" % r.name for r in ROLES if r.name != "sop")
    files = [ROOT / "playbooks" / "upgrade.yml"] + sorted(
        p for p in (ROOT / "roles" / "sop").rglob("*.yml") if p.parent.name != "meta")
    read = set()
    for path in files:
        # a name after a dot is a plugin (pengadilan.sipp.sipp_step), not a variable
        code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        read |= set(re.findall(r"(?<![.\w])sipp_[a-z0-9_]+", code))
    undocumented = sorted(n for n in read if n not in documented and n not in facts and not n.startswith(others))
    assert undocumented == []
    # every entry point's options are documented for main too, with the same type
    for entry, spec in sop.items():
        for name, option in spec["options"].items():
            assert option["type"] == sop["main"]["options"][name]["type"], (entry, name)
    # the court variables it declares again (for ansible-doc) accept what the court entry of every playbook accepts
    court = declarations["argument_specs"]["court"]["options"]
    for name in COURT_VARIABLES:
        mine = sop["main"]["options"][name]
        assert {k: mine.get(k) for k in ("type", "elements", "choices")} == \
            {k: court[name].get(k) for k in ("type", "elements", "choices")}, name
