"""Every role: argument specs document every default with the same value, and public variables carry the role's
prefix (sipp_<role>_), as prometheus.prometheus keeps its roles."""
from pathlib import Path

import pytest
import yaml

ROLES = sorted(p for p in (Path(__file__).resolve().parents[2] / "roles").iterdir()
               if p.is_dir() and not p.name.startswith("_"))


def test_there_are_roles():
    assert ROLES, "no roles found"


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_argument_specs_match_defaults(role):
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    prefix = "sipp_%s_" % role.name
    for name in list(defaults) + list(specs):
        assert name.startswith(prefix), "%s: public variable %s lacks the prefix %s" % (role.name, name, prefix)
    assert set(defaults) == {k for k, v in specs.items() if "default" in v}, role.name
    for name, value in defaults.items():
        assert specs[name]["default"] == value, "%s: %s default differs between defaults and specs" % (role.name,
                                                                                                       name)
        assert specs[name].get("description"), "%s: %s is undocumented" % (role.name, name)
        if "choices" in specs[name] and not (isinstance(value, str) and "{{" in value):
            assert value in specs[name]["choices"]
