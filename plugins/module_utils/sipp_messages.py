# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The message catalogue and the error of the module layer, written once.

Every file that speaks to people keeps its own messages in one ``Catalogue`` (Indonesian, the default, and English;
a key missing in English falls back to its Indonesian text) and renders them with ``CATALOGUE.text(language, key,
**params)``. Coded values that a message shows (``action='write'``) are put into words of the language by the
catalogue's ``terms``. Every failure says what happened, what was done, and what to do next.

Every refusal or failure of the module layer is a ``SippError`` (or a subclass naming its catalogue):
``problem`` is the machine-readable name a module returns, ``key`` the message's key (``problem`` unless a more
precise wording exists), ``params`` its placeholders (never a secret), ``details`` extra values for ``fail_json``.

Plain Python free of Ansible imports and of syntax newer than 3.6 (module code runs on CentOS 7's Python)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

LANGUAGES = ('id', 'en')
DEFAULT_LANGUAGE = 'id'


def language_argument_spec():
    """The option ``language`` of every module (doc fragment sipp_language)."""
    return dict(language=dict(type='str', default=DEFAULT_LANGUAGE, choices=list(LANGUAGES)))


class Catalogue(dict):
    """The messages of one file: ``{'id': {key: text}, 'en': {key: text}}`` (read like that dict), with ``terms``
    ``{'id': {param: {code: word}}, 'en': ...}`` for coded values of placeholders."""

    def __init__(self, messages, terms=None):
        super(Catalogue, self).__init__(messages)
        self.terms = terms or {}

    def text(self, language, key, **params):
        """The message ``key`` in ``language`` (an unknown language speaks Indonesian; a key missing in the language
        takes its Indonesian text; a key missing everywhere is given as it is), formatted with ``params``."""
        default = self.get(DEFAULT_LANGUAGE) or {}
        texts = self.get(language) or default
        template = texts.get(key) or default.get(key) or key
        terms = self.terms.get(language) or self.terms.get(DEFAULT_LANGUAGE) or {}
        words = dict(params)
        for name, table in terms.items():
            value = words.get(name)
            if isinstance(value, str) and value in table:
                words[name] = table[value]
        try:
            return template.format(**words)
        except (KeyError, IndexError, ValueError):
            return template


class SippError(Exception):
    """A refusal or a failure of the module layer (see the file's docstring). A subclass names its ``catalogue``;
    ``text`` is given instead of a key when the message was already rendered (in the caller's language)."""

    catalogue = None

    def __init__(self, problem, key=None, text=None, details=None, **params):
        super(SippError, self).__init__(problem)
        self.problem = problem
        self.key = key or problem
        self.params = params
        self.text = text
        self.details = dict(details or {})

    @classmethod
    def said(cls, language, problem, key=None, details=None, **params):
        """The error with its message rendered now in ``language`` (for a caller that only passes it on)."""
        exc = cls(problem, key=key, details=details, **params)
        exc.text = exc.render(language)
        return exc

    @property
    def cause(self):
        """What the tool or the server itself said (``params['error']``), else the error's key."""
        return self.params.get('error') or self.key

    def render(self, language):
        """The message for people, in ``language``."""
        if self.text is not None:
            return self.text
        if self.catalogue is None:
            return self.key
        return self.catalogue.text(language, self.key, **self.params)

    def __str__(self):
        if self.text is not None or self.catalogue is not None:
            return self.render('en')
        detail = ', '.join('%s=%s' % (k, self.params[k]) for k in sorted(self.params))
        return '%s (%s)' % (self.key, detail) if detail else self.key
