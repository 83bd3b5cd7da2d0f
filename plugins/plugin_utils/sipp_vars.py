# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The variables a playbook takes, and whether the values given are right. Controller-side only.

What a playbook takes is declared in ``playbooks/vars/argument_specs.yml`` (its own variables, the court variables
every playbook reads, and the roles it runs, whose ``meta/argument_specs.yml`` declare theirs) with Ansible's
argument-spec keys, plus the rules those keys cannot say (``sipp_rules``: a number's range, a text's form, a list that
may be given as one text). ``check`` compares the values given with that and returns one problem per wrong
variable; ``render`` turns them into one message in the run's language (``id`` or ``en``) that names each variable,
what was given and what is allowed, what was done (nothing) and what to do.

The checks are as strict as the playbooks are: a value is right when the playbook reads it as meant, not when
Ansible's argument spec could convert it (``5`` is not a list of packages, ``"maybe"`` is not true or false).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import difflib
import json
import os
import re

from ansible.module_utils.common.yaml import yaml_load
from ansible.module_utils.parsing.convert_bool import BOOLEANS, boolean
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import LANGUAGES, Catalogue, SippError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC_FILE = os.path.join('playbooks', 'vars', 'argument_specs.yml')

# coded values of the messages' placeholders, put into words by the catalogue
TERMS = {
    'id': {
        'kind': {'str': 'teks', 'int': 'bilangan bulat', 'float': 'bilangan', 'bool': 'ya/tidak',
                 'list': 'daftar', 'dict': 'kamus', 'none': 'kosong'},
        'allowed': {'str': 'teks', 'path': 'path (teks)', 'int': 'bilangan bulat', 'float': 'bilangan',
                    'bool': 'true atau false (juga yes/no)', 'dict': 'kamus (nama: nilai)', 'raw': 'nilai apa pun'},
        'elements': {'str': 'teks', 'path': 'path', 'int': 'bilangan bulat', 'float': 'bilangan',
                     'bool': 'ya/tidak', 'dict': 'kamus', 'list': 'daftar', 'raw': 'nilai'},
    },
    'en': {
        'kind': {'str': 'text', 'int': 'integer', 'float': 'number', 'bool': 'true/false', 'list': 'list',
                 'dict': 'mapping', 'none': 'null'},
        'allowed': {'str': 'text', 'path': 'a path (text)', 'int': 'an integer', 'float': 'a number',
                    'bool': 'true or false (also yes/no)', 'dict': 'a mapping (name: value)', 'raw': 'any value'},
        'elements': {'str': 'texts', 'path': 'paths', 'int': 'integers', 'float': 'numbers',
                     'bool': 'true/false values', 'dict': 'mappings', 'list': 'lists', 'raw': 'values'},
    },
}
MESSAGES = Catalogue({
    'id': {
        'head': 'Variabel playbook {playbook} tidak benar: tidak ada yang dijalankan di pengadilan mana pun.',
        'tail': ('Perbaiki nilai itu (di -e, survei AWX, group_vars atau host_vars inventaris), lalu jalankan '
                 'playbook lagi.'),
        'required': '{var} wajib diisi, tetapi tidak diberikan.',
        'required_hint': '{var} wajib diisi ({what}), tetapi tidak diberikan.',
        'required_limit': ('{var} wajib diisi ({what}), atau pengadilannya dibatasi dengan --limit (batas templat '
                           'AWX), tetapi keduanya tidak diberikan.'),
        'type': '{var}: diberi {given} ({kind}); yang diterima: {allowed}.',
        'element': '{var}: isi ke-{index} diberi {given} ({kind}); yang diterima: {allowed}.',
        'choices': '{var}: diberi {given}; yang diterima: salah satu dari {choices}.',
        'element_choices': '{var}: isi ke-{index} diberi {given}; yang diterima: salah satu dari {choices}.',
        'range': '{var}: diberi {given}; yang diterima: bilangan bulat {range}.',
        'pattern': '{var}: diberi {given}; yang diterima: {hint}.',
        'element_pattern': '{var}: isi ke-{index} diberi {given}; yang diterima: {hint}.',
        'unknown': '{var} tidak dikenal playbook ini (salah ketik?). Maksudnya {suggestion}?',
        'unreadable': '{var}: nilainya tidak dapat dibaca ({error}).',
        'hosts': ' (pengadilan: {hosts})',
        'hidden': '(disembunyikan)',
        'list_of': 'daftar {elements}',
        'list_text': ', atau satu teks dengan satu nilai per baris atau dipisah koma',
        'range_min': 'sedikitnya {min}',
        'range_max': 'paling banyak {max}',
        'range_both': '{min} sampai {max}',
    },
    'en': {
        'head': 'Variables of playbook {playbook} are wrong: nothing was run on any court.',
        'tail': 'Correct the value (in -e, the AWX survey, the inventory\'s group_vars or host_vars), then run the '
                'playbook again.',
        'required': '{var} is required but was not given.',
        'required_hint': '{var} is required ({what}) but was not given.',
        'required_limit': ('{var} is required ({what}), or the courts limited with --limit (an AWX template\'s '
                           'limit), but neither was given.'),
        'type': '{var}: given {given} ({kind}); allowed: {allowed}.',
        'element': '{var}: item {index} given {given} ({kind}); allowed: {allowed}.',
        'choices': '{var}: given {given}; allowed: one of {choices}.',
        'element_choices': '{var}: item {index} given {given}; allowed: one of {choices}.',
        'range': '{var}: given {given}; allowed: an integer {range}.',
        'pattern': '{var}: given {given}; allowed: {hint}.',
        'element_pattern': '{var}: item {index} given {given}; allowed: {hint}.',
        'unknown': '{var} is not known to this playbook (a typo?). Did you mean {suggestion}?',
        'unreadable': '{var}: its value cannot be read ({error}).',
        'hosts': ' (courts: {hosts})',
        'hidden': '(hidden)',
        'list_of': 'a list of {elements}',
        'list_text': ', or one text with one value per line or separated by commas',
        'range_min': 'of at least {min}',
        'range_max': 'of at most {max}',
        'range_both': 'from {min} to {max}',
    },
}, terms=TERMS)


class VarsSpecError(SippError):
    """The declaration itself is wrong or missing (a defect of the collection, not of the operator's values): its
    ``text`` says what, in English (for the collection's developers)."""


def _load_yaml(path):
    # unreadable or not YAML: the same defect of the collection
    try:
        with open(path) as handle:
            return yaml_load(handle) or {}
    except Exception as exc:  # pylint: disable=broad-except
        raise VarsSpecError('spec_defect', text='cannot read %s: %s' % (path, exc))


def load(playbook, root=ROOT):
    """The declaration of ``playbook``: {'options': {name: spec}, 'language': [variables], 'rules': {...}}.

    Options of the playbook's own entry (and of the entries it extends), and of the role that carries it
    (``carried_by``), keep ``required``; the other roles' options are checked for what they accept only (a role's
    required input is given by the playbook, not the operator).
    """
    data = _load_yaml(os.path.join(root, SPEC_FILE))
    entries = data.get('argument_specs') or {}
    if playbook not in entries:
        raise VarsSpecError('spec_defect', text='playbook %r is not declared in %s' % (playbook, SPEC_FILE))
    rules = data.get('sipp_rules') or {}
    options = {}
    seen = set()

    def add_entry(name):
        if name in seen:
            return
        seen.add(name)
        if name not in entries:
            raise VarsSpecError('spec_defect', text='entry %r is not declared in %s' % (name, SPEC_FILE))
        entry = entries[name]
        for parent in entry.get('extends') or []:
            add_entry(parent)
        carrier = entry.get('carried_by')
        for role in entry.get('roles') or []:
            role_file = os.path.join(root, 'roles', role, 'meta', 'argument_specs.yml')
            role_specs = (_load_yaml(role_file).get('argument_specs') or {}).get('main') or {}
            for opt, spec in (role_specs.get('options') or {}).items():
                spec = dict(spec)
                spec.pop('default', None)
                if role == carrier:
                    # the role that carries the playbook: its options are the playbook's own
                    options[opt] = spec
                    continue
                spec.pop('required', None)
                options.setdefault(opt, spec)
        options.update(entry.get('options') or {})

    add_entry(playbook)
    entry = entries[playbook]
    return {'options': options, 'rules': rules, 'language': entry.get('language_variables') or ['sipp_language'],
            'limit_satisfies': entry.get('limit_satisfies') or []}


def limited(declaration):
    """The declaration for a run with --limit: the variables a limit stands for are no longer required."""
    options = dict(declaration['options'])
    for name in declaration['limit_satisfies']:
        if name in options:
            options[name] = dict(options[name], required=False)
    return dict(declaration, options=options)


def known_names(root=ROOT):
    """Every variable name the collection declares anywhere, and the facts it sets (never an input)."""
    data = _load_yaml(os.path.join(root, SPEC_FILE))
    names = set(data.get('sipp_facts') or [])
    for entry in (data.get('argument_specs') or {}).values():
        names.update((entry.get('options') or {}).keys())
    roles_dir = os.path.join(root, 'roles')
    for role in sorted(os.listdir(roles_dir)) if os.path.isdir(roles_dir) else []:
        role_file = os.path.join(roles_dir, role, 'meta', 'argument_specs.yml')
        if os.path.isfile(role_file):
            for spec in (_load_yaml(role_file).get('argument_specs') or {}).values():
                names.update((spec.get('options') or {}).keys())
    return names


def _kind(value):
    if value is None:
        return 'none'
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, int):
        return 'int'
    if isinstance(value, float):
        return 'float'
    if isinstance(value, dict):
        return 'dict'
    if isinstance(value, (list, tuple)):
        return 'list'
    return 'str'


def text_list(value):
    """A text with one value per line or separated by commas, as a list (what the playbooks read from a survey)."""
    return [item.strip() for item in re.split(r'[\r\n,]+', value) if item.strip()]


def _convert(value, kind):
    """(True, value as the playbook reads it) or (False, None) for a scalar of ``kind``."""
    given = _kind(value)
    if kind == 'raw':
        return True, value
    if kind in ('str', 'path'):
        if given == 'str':
            return True, value
        if given in ('int', 'float'):
            return True, str(value)
        return False, None
    if kind == 'int':
        if given == 'int':
            return True, value
        if given == 'float' and value == int(value):
            return True, int(value)
        if given == 'str' and re.match(r'^\s*[-+]?\d+\s*$', value):
            return True, int(value)
        return False, None
    if kind == 'float':
        if given in ('int', 'float'):
            return True, float(value)
        if given == 'str':
            try:
                return True, float(value)
            except ValueError:
                return False, None
        return False, None
    if kind == 'bool':
        # what Ansible's bool filter reads (a survey's yes/no, -e x=true), and nothing it would read as false silently
        if given == 'bool':
            return True, value
        if given in ('int', 'str') and (value.strip().lower() if given == 'str' else value) in BOOLEANS:
            return True, boolean(value)
        return False, None
    if kind == 'dict':
        return (True, value) if given == 'dict' else (False, None)
    raise VarsSpecError('spec_defect', text='unknown type %r' % kind)


def _allowed(spec, rule, lang):
    kind = spec.get('type', 'str')
    if kind != 'list':
        return MESSAGES.terms[lang]['allowed'].get(kind, kind)
    text = MESSAGES.text(lang, 'list_of', elements=spec.get('elements', 'raw'))
    if rule.get('from_text'):
        text += MESSAGES.text(lang, 'list_text')
    return text


def _range_text(rule, lang):
    if 'min' in rule and 'max' in rule:
        return MESSAGES.text(lang, 'range_both', min=rule['min'], max=rule['max'])
    if 'min' in rule:
        return MESSAGES.text(lang, 'range_min', min=rule['min'])
    return MESSAGES.text(lang, 'range_max', max=rule['max'])


def _check_scalar(name, value, kind, spec, rule, index=None):
    """Problems of one value (or one item of a list, ``index`` from 1)."""
    element = index is not None
    ok, converted = _convert(value, kind)
    if not ok:
        return [{'variable': name, 'problem': 'element' if element else 'type', 'given': value, 'index': index,
                 'kind': _kind(value), 'type': kind}]
    problems = []
    choices = spec.get('choices')
    if choices is not None and converted not in choices and str(converted) not in [str(c) for c in choices]:
        problems.append({'variable': name, 'problem': 'element_choices' if element else 'choices', 'given': value,
                         'index': index, 'choices': list(choices)})
    if kind == 'int' and not element and (('min' in rule and converted < rule['min'])
                                          or ('max' in rule and converted > rule['max'])):
        problems.append({'variable': name, 'problem': 'range', 'given': value, 'rule': rule})
    pattern = rule.get('element_pattern' if element else 'pattern')
    if pattern and not re.match(pattern, str(converted)):
        problems.append({'variable': name, 'problem': 'element_pattern' if element else 'pattern', 'given': value,
                         'index': index, 'hint': rule.get('hint') or {}})
    return problems


def check_value(name, value, spec, rule=None):
    """The problems of one given value against its declaration (an empty list: it is right)."""
    rule = rule or {}
    kind = spec.get('type', 'str')
    if kind != 'list':
        if value is None and kind != 'bool':
            return []
        return _check_scalar(name, value, kind, spec, rule)
    if isinstance(value, str) and rule.get('from_text'):
        value = text_list(value)
    if value is None:
        value = []
    if not isinstance(value, (list, tuple)):
        return [{'variable': name, 'problem': 'type', 'given': value, 'kind': _kind(value), 'type': 'list',
                 'spec': spec, 'rule': rule}]
    problems = []
    for index, item in enumerate(value, 1):
        problems.extend(_check_scalar(name, item, spec.get('elements', 'raw'), spec, rule, index=index))
    return problems


def _empty(value, spec, rule):
    """Whether a value reads as nothing given: None, '', an empty list, or a list's text of only commas and blanks."""
    if value is None or value == '' or value == []:
        return True
    return spec.get('type') == 'list' and isinstance(value, str) and bool(rule.get('from_text')) \
        and not text_list(value)


def check(declaration, values, missing=()):
    """Problems of ``values`` ({name: value} of the variables given) against ``declaration`` (see ``load``).

    ``missing``: the declared names that were not given at all (a required one is a problem)."""
    problems = []
    options = declaration['options']
    rules = declaration['rules']
    for name in sorted(options):
        spec = options[name]
        limit = name in declaration.get('limit_satisfies', [])
        if spec.get('required') and name in values and _empty(values[name], spec, rules.get(name) or {}):
            problems.append({'variable': name, 'problem': 'required', 'spec': spec, 'rule': rules.get(name) or {},
                             'limit': limit})
        elif name in values:
            for problem in check_value(name, values[name], spec, rules.get(name)):
                problem.setdefault('spec', spec)
                problem.setdefault('rule', rules.get(name) or {})
                problems.append(problem)
        elif spec.get('required') and name in missing:
            problems.append({'variable': name, 'problem': 'required', 'spec': spec, 'rule': rules.get(name) or {},
                             'limit': limit})
    return problems


def misspelled(names, declaration, known):
    """Problems for given ``sipp_*`` names that nothing declares and that look like a declared one."""
    candidates = sorted(set(declaration['options']))
    problems = []
    for name in sorted(names):
        if not name.startswith('sipp_') or name in known or name in declaration['options']:
            continue
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.85)
        if close:
            problems.append({'variable': name, 'problem': 'unknown', 'suggestion': close[0]})
    return problems


def language(declaration, values):
    """The run's language from the declared language variables, and whether it was given right."""
    for name in declaration['language']:
        if name in values and values[name] not in (None, ''):
            if values[name] in LANGUAGES:
                return values[name], True
            return None, False
    return 'id', True


def _shown(value, spec, lang):
    if spec.get('no_log'):
        return MESSAGES.text(lang, 'hidden')
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + '...'


def line(problem, lang):
    """One problem as one sentence in ``lang``."""
    spec = problem.get('spec') or {}
    rule = problem.get('rule') or {}
    kind = problem['problem']
    fields = {'var': problem['variable'], 'index': problem.get('index')}
    if 'given' in problem:
        fields['given'] = _shown(problem['given'], spec, lang)
    if kind == 'required':
        hint = rule.get('hint') or {}
        if hint:
            kind = 'required_limit' if problem.get('limit') else 'required_hint'
            fields['what'] = hint.get(lang) or hint.get('id')
    elif kind in ('type', 'element'):
        fields['kind'] = problem['kind']
        if kind == 'type':
            fields['allowed'] = _allowed(spec, rule, lang)
        else:
            fields['allowed'] = MESSAGES.terms[lang]['allowed'].get(problem['type'], problem['type'])
    elif kind in ('choices', 'element_choices'):
        fields['choices'] = ', '.join(str(c) if c != '' else '""' for c in problem['choices'])
    elif kind == 'range':
        fields['range'] = _range_text(rule, lang)
    elif kind in ('pattern', 'element_pattern'):
        hint = problem.get('hint') or {}
        fields['hint'] = hint.get(lang) or hint.get('id') or rule.get('pattern', '')
    elif kind == 'unknown':
        fields['suggestion'] = problem['suggestion']
    elif kind == 'unreadable':
        fields['error'] = problem.get('error', '')
    return MESSAGES.text(lang, kind, **fields)


def render(playbook, problems, lang):
    """The whole message: what happened, each wrong variable (with the courts when not all), what to do.

    ``lang`` None (the language variable itself is wrong): Bahasa Indonesia, then English."""
    if lang is None:
        return '\n\n'.join(render(playbook, problems, one) for one in LANGUAGES)
    lines = [MESSAGES.text(lang, 'head', playbook=playbook)]
    for problem in problems:
        text = line(problem, lang)
        if problem.get('hosts'):
            text = text.rstrip('.?') + MESSAGES.text(lang, 'hosts', hosts=', '.join(problem['hosts'])) + text[-1]
        lines.append('- ' + text)
    lines.append(MESSAGES.text(lang, 'tail'))
    return '\n'.join(lines)
