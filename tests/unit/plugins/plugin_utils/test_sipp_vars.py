# -*- coding: utf-8 -*-
"""plugin_utils/sipp_vars: every variable every playbook takes is declared, and a wrong value of each one is named
in the message, with what was given and what is allowed, in Bahasa Indonesia and in English."""

from __future__ import (absolute_import, division, print_function)

import json

import pytest

from ansible_collections.pengadilan.sipp.plugins.plugin_utils import sipp_vars

PLAYBOOKS = ("upgrade", "backup", "sync_check", "rollback", "report", "info")

# a value of the wrong type for each declared type (what an operator could give by mistake)
WRONG = {"str": {"a": 1}, "path": ["/a", "/b"], "int": "sepuluh", "float": "banyak", "bool": "mungkin",
         "dict": "teks", "list": {"a": 1}}
RIGHT = {"str": "teks", "path": "/tmp/x", "int": 3, "float": 1.5, "bool": True, "dict": {"a": 1}, "list": []}


def _wrong(spec):
    kind = spec.get("type", "str")
    return WRONG[kind]


def _declared(playbook):
    declaration = sipp_vars.load(playbook)
    return declaration, sorted(declaration["options"].items())


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_every_declared_variable_has_a_type_and_a_description(playbook):
    declaration, options = _declared(playbook)
    assert len(options) >= 8
    for name, spec in options:
        assert name.startswith("sipp_"), name
        assert spec.get("type", "str") in sipp_vars.TERMS["id"]["allowed"] or spec.get("type") == "list", name
        assert spec.get("description"), "%s: %s is undocumented" % (playbook, name)
        if spec.get("type") == "list":
            assert spec.get("elements"), "%s: list %s without elements" % (playbook, name)
    known = sipp_vars.known_names()
    for name in declaration["rules"]:
        assert name in known, "a rule for %s, which nothing declares" % name


@pytest.mark.parametrize("playbook", PLAYBOOKS)
@pytest.mark.parametrize("lang", ("id", "en"))
def test_a_wrong_type_of_every_declared_variable_is_named_with_what_was_given(playbook, lang):
    declaration, options = _declared(playbook)
    walked = 0
    for name, spec in options:
        if spec.get("type") == "raw":
            continue
        value = _wrong(spec)
        problems = sipp_vars.check(declaration, {name: value})
        assert problems, "%s: %s=%r was accepted" % (playbook, name, value)
        assert {p["variable"] for p in problems} == {name}
        text = sipp_vars.render(playbook, problems, lang)
        assert name in text
        shown = sipp_vars.MESSAGES[lang]["hidden"] if spec.get("no_log") else json.dumps(value, sort_keys=True)
        assert shown in text, text
        # the words of the other language are not there
        other = "en" if lang == "id" else "id"
        assert sipp_vars.MESSAGES[other]["tail"] not in text and sipp_vars.MESSAGES[lang]["tail"] in text
        walked += 1
    assert walked >= len(options) - 1


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_right_values_of_every_declared_variable_pass(playbook):
    declaration, options = _declared(playbook)
    for name, spec in options:
        kind = spec.get("type", "str")
        if "choices" in spec:
            value = [spec["choices"][0]] if kind == "list" else spec["choices"][0]
        elif name in declaration["rules"] and declaration["rules"][name].get("hint") and kind != "list":
            value = "pn_bekasi" if name == "sipp_target" else "20261124-210000"
        elif kind == "int":
            rule = declaration["rules"].get(name, {})
            value = rule.get("min", 0) if rule.get("min", 0) > 0 else 5
        elif kind == "list" and spec.get("required"):
            value = ["paket/sipp-5.1.0-5.2.0.zip"]
        else:
            value = RIGHT.get(kind, "x")
        assert sipp_vars.check(declaration, {name: value}) == [], "%s: %s=%r refused" % (playbook, name, value)


def test_the_issues_examples_are_refused_with_the_operators_variable():
    declaration = sipp_vars.load("upgrade")
    given = {"sipp_upgrade_packages": 5, "sipp_campaign_waves": "abc", "sipp_language": "fr",
             "sipp_campaign_max_fail_percentage": "x"}
    problems = sipp_vars.check(declaration, given, missing=set(declaration["options"]) - set(given))
    assert sorted(p["variable"] for p in problems) == sorted(given)
    lang, ok = sipp_vars.language(declaration, given)
    assert (lang, ok) == (None, False)
    text = sipp_vars.render("upgrade", problems, None)
    # a wrong language: the message in both languages
    assert "tidak ada yang dijalankan di pengadilan mana pun" in text and "nothing was run on any court" in text
    assert 'sipp_language: diberi "fr"; yang diterima: salah satu dari id, en.' in text
    assert 'sipp_campaign_waves: isi ke-1 diberi "abc"' in text
    assert "sipp_campaign_max_fail_percentage: given \"x\" (text); allowed: an integer." in text


def test_a_missing_or_empty_package_list_names_sipp_upgrade_packages_not_an_internal_name():
    declaration = sipp_vars.load("upgrade")
    for given, missing in (({}, set(declaration["options"])), ({"sipp_upgrade_packages": []}, set()),
                           ({"sipp_upgrade_packages": ""}, set()), ({"sipp_upgrade_packages": " , \n"}, set())):
        problems = sipp_vars.check(declaration, given, missing=missing)
        assert [p["variable"] for p in problems] == ["sipp_upgrade_packages"], given
        text = sipp_vars.render("upgrade", problems, "id")
        assert "sipp_preflight_packages" not in text and "sipp_upgrade_packages" in text


def test_a_misspelled_variable_is_named_with_the_one_meant():
    declaration = sipp_vars.load("upgrade")
    known = sipp_vars.known_names()
    problems = sipp_vars.misspelled({"sipp_upgrade_package", "sipp_backup_kep", "sipp_language", "sipp_result",
                                     "sipp_sesuatu_lain", "ansible_host"}, declaration, known)
    assert [(p["variable"], p["suggestion"]) for p in problems] == [
        ("sipp_backup_kep", "sipp_backup_keep"), ("sipp_upgrade_package", "sipp_upgrade_packages")]
    assert "Did you mean sipp_backup_keep?" in sipp_vars.render("upgrade", problems, "en")


@pytest.mark.parametrize("value, ok", [
    ([1, 5, "50%", "100%"], True), ("1\n5\n50%\n100%", True), ("1, 5,50%", True), (["1", "2"], True),
    ("abc", False), ([0], False), (["101%"], False), (["0%"], False), ([-1], False), (5, False), ([[1]], False),
    ({"a": 1}, False)])
def test_waves_as_a_list_or_a_survey_text(value, ok):
    declaration = sipp_vars.load("upgrade")
    assert (sipp_vars.check(declaration, {"sipp_campaign_waves": value}) == []) is ok


@pytest.mark.parametrize("name, value, ok", [
    ("sipp_upgrade_assisted_approved", "yes", True), ("sipp_upgrade_assisted_approved", "no", True),
    ("sipp_upgrade_assisted_approved", 1, True), ("sipp_upgrade_assisted_approved", "mungkin", False),
    ("sipp_upgrade_assisted_approved", "", False),
    ("sipp_campaign_max_fail_percentage", "10", True), ("sipp_campaign_max_fail_percentage", 10.0, True),
    ("sipp_campaign_max_fail_percentage", 101, False), ("sipp_campaign_max_fail_percentage", -1, False),
    ("sipp_campaign_max_fail_percentage", 1.5, False), ("sipp_campaign_max_fail_percentage", True, False),
    ("sipp_upgrade_target_version", 5.3, True), ("sipp_upgrade_target_version", ["5.3.0"], False),
    ("sipp_run_id", "20261124-210000", True), ("sipp_run_id", "../etc", False), ("sipp_run_id", "a b", False),
    ("sipp_upgrade_fail_on", ["gagal"], True), ("sipp_upgrade_fail_on", ["gagl"], False),
    ("sipp_upgrade_fail_on", "gagal", False),
    ("sipp_report_mail_to", "a@pt.go.id,b@pt.go.id", True), ("sipp_report_mail_to", ["a@pt.go.id"], True),
    ("sipp_report_smtp_port", 70000, False), ("sipp_backup_compression", "rar", False),
    ("sipp_language", "en", True), ("sipp_backup_language", "fr", False), ("sipp_target", "pn a", False),
    ("sipp_upgrade_packages", "paket/a.zip\npaket/b.zip", True), ("sipp_upgrade_packages", [5], True),
    ("sipp_upgrade_packages", [["a"]], False), ("sipp_upgrade_packages", None, False),
    ("sipp_preflight_space_margin_percent", 10 ** 12, True), ("sipp_verify_page_retries", -1, False),
])
def test_values_as_the_playbook_reads_them(name, value, ok):
    declaration = sipp_vars.load("upgrade")
    problems = sipp_vars.check(declaration, {name: value})
    assert (problems == []) is ok, problems
    if not ok:
        text = sipp_vars.render("upgrade", problems, "en")
        assert name in text and "allowed" in text or "required" in text


def test_a_secret_is_never_shown():
    declaration = sipp_vars.load("backup")
    problems = sipp_vars.check(declaration, {"sipp_report_smtp_password": ["rahasia'\"sekali"]})
    assert [p["variable"] for p in problems] == ["sipp_report_smtp_password"]
    for lang in ("id", "en"):
        text = sipp_vars.render("backup", problems, lang)
        assert "rahasia" not in text and sipp_vars.MESSAGES[lang]["hidden"] in text


def test_a_role_required_input_is_given_by_the_playbook_not_the_operator():
    declaration = sipp_vars.load("upgrade")
    assert "required" not in declaration["options"]["sipp_preflight_packages"]
    assert declaration["options"]["sipp_upgrade_packages"]["required"]
    rollback = sipp_vars.load("rollback")
    assert rollback["options"]["sipp_target"]["required"]
    assert not sipp_vars.load("backup")["options"]["sipp_target"].get("required")
    # a run limited with --limit (an AWX template's limit) names its courts: sipp_target is then not required
    assert sipp_vars.check(sipp_vars.limited(rollback), {}, missing={"sipp_target"}) == []
    problems = sipp_vars.check(rollback, {}, missing={"sipp_target"})
    assert "atau pengadilannya dibatasi dengan --limit" in sipp_vars.render("rollback", problems, "id")
    assert "or the courts limited with --limit" in sipp_vars.render("rollback", problems, "en")


def test_the_report_speaks_its_own_language_variable_first():
    declaration = sipp_vars.load("report")
    assert sipp_vars.language(declaration, {"sipp_report_language": "en", "sipp_language": "id"}) == ("en", True)
    assert sipp_vars.language(declaration, {"sipp_language": "en"}) == ("en", True)
    assert sipp_vars.language(declaration, {}) == ("id", True)


def test_a_declaration_that_does_not_exist_is_a_defect_of_the_collection():
    with pytest.raises(sipp_vars.VarsSpecError):
        sipp_vars.load("tidak_ada")


def test_text_list():
    assert sipp_vars.text_list(" a.zip \r\n b.zip,,c.zip\n") == ["a.zip", "b.zip", "c.zip"]
    assert sipp_vars.text_list("") == []
