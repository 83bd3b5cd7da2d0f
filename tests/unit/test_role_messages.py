"""Every role speaks through one message catalogue, the pattern every module follows too (issue "One module
layer"): `vars/main.yml` holds `__sipp_<role>_messages` (an `id` part and an `en` part) and `__sipp_<role>_msg`, the
Indonesian texts with those of the language asked for on top; a task's message is taken from it, never written in the
task, and no task switches language by hand."""
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir() and not p.name.startswith("_"))
MESSAGE_MODULES = ("ansible.builtin.fail", "ansible.builtin.assert", "ansible.builtin.debug")


def _tasks(tasks):
    for task in tasks or []:
        if isinstance(task, dict):
            yield task
            for key in ("block", "rescue", "always"):
                yield from _tasks(task.get(key))


def _messages(role):
    """(file, task name, text) of every message a task of the role writes (fail, assert, debug)."""
    yield from _written(sorted((role / "tasks").glob("*.yml")) + sorted((role / "handlers").glob("*.yml")))


def _written(paths):
    for path in paths:
        content = yaml.safe_load(path.read_text())
        plays = [p for p in content if isinstance(p, dict) and ("hosts" in p or "import_playbook" in p)]
        tasks = [t for p in plays for k in ("pre_tasks", "tasks", "post_tasks", "handlers") for t in p.get(k) or []] \
            if plays else content
        for task in _tasks(tasks):
            for module in MESSAGE_MODULES:
                args = task.get(module)
                if isinstance(args, dict):
                    for key in ("msg", "fail_msg", "success_msg"):
                        if isinstance(args.get(key), str):
                            yield path.name, task.get("name"), args[key]


def _literal_words(messages):
    written = []
    for name, task, text in messages:
        outside = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text, flags=re.S)
        outside = re.sub(r"\.(html|csv|json)\b", "", outside)  # the files a report writes, named by their suffix
        if re.search(r"[A-Za-z]{3,}", outside):
            written.append("%s: %s: %s" % (name, task, text[:80]))
    return written


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_a_task_takes_its_words_from_the_role_catalogue(role):
    written = _literal_words(_messages(role))
    assert written == [], "messages written in tasks instead of the role's catalogue (vars/main.yml): %s" % written
    switched = [str(p.relative_to(ROOT)) for p in role.rglob("*.yml")
                if re.search(r"language\s*(!=|==)\s*['\"]en['\"]", p.read_text())]
    assert switched == [], "a language chosen by hand instead of through __sipp_%s_msg: %s" % (role.name, switched)


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_a_role_that_speaks_has_one_catalogue_in_both_languages(role):
    uses = any("__sipp_%s_msg" % role.name in p.read_text() for p in role.rglob("*.yml") if p.parent.name != "vars")
    if not uses:
        assert not list(_messages(role)), "%s writes messages without a catalogue" % role.name
        return
    found = yaml.safe_load((role / "vars" / "main.yml").read_text())
    messages = found["__sipp_%s_messages" % role.name]
    assert set(messages) == {"id", "en"}, sorted(messages)
    # every message in both languages (issue "Every message in the operator's language")
    assert set(messages["en"]) == set(messages["id"]), sorted(set(messages["en"]) ^ set(messages["id"]))
    assert re.fullmatch(r"\{\{ __sipp_%s_messages\.id \| combine\(__sipp_%s_messages\[\w+\] \| default\(\{\}\)\) \}\}"
                        % (role.name, role.name), found["__sipp_%s_msg" % role.name]), found["__sipp_%s_msg" % role.name]


def test_a_playbook_takes_its_words_from_the_playbooks_catalogue():
    """The playbooks speak through playbooks/vars/messages.yml (the same pattern): no words written in a task, no
    Indonesian-only fallback such as default('gagal'), every message in both languages."""
    playbooks = sorted((ROOT / "playbooks").glob("*.yml"))
    written = _literal_words(_written(playbooks))
    assert written == [], "messages written in playbooks instead of playbooks/vars/messages.yml: %s" % written
    # nor words in a string of a template: a phrase ('tidak terjangkau', 'gagal: ') or a default('gagal')
    phrases = ["%s: %s" % (p.name, m.group(0)) for p in playbooks
               for expr in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", p.read_text(), flags=re.S)
               for m in re.finditer(r"'[A-Za-z]{2,}[ :][^']*'|(?<=default\()'(gagal|tidak\w*)'", expr)
               if not re.fullmatch(r"'[-\w.]+: '", m.group(0))]
    assert phrases == [], phrases
    found = yaml.safe_load((ROOT / "playbooks" / "vars" / "messages.yml").read_text())
    messages = found["__sipp_play_messages"]
    assert set(messages) == {"id", "en"} and set(messages["id"]) == set(messages["en"]), \
        sorted(set(messages["en"]) ^ set(messages["id"]))
    for key, text in messages["id"].items():
        if isinstance(text, str):
            assert text.count("%") == messages["en"][key].count("%"), key
    assert found["__sipp_play_msg"].strip() == (
        "{{ __sipp_play_messages.id | combine(__sipp_play_messages[sipp_language | default('id')] | default({})) }}")
