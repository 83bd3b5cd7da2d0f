# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reaching a court's SIPP: the part every pengadilan.sipp module needs.

``site_argument_spec()`` gives the options (documented by the doc fragments ``pengadilan.sipp.sipp_site`` and
``pengadilan.sipp.sipp_login``); ``open_site(module)`` finds the application folder (``app_path`` or discovery among
``search_paths``), reads its ``application/config/database.php`` without running PHP, connects to SIPP's database and
reads the installed version (``sys_config`` id 80). It returns a :class:`Site` or raises :class:`SiteError`, whose
``text`` is the rendered user message (Bahasa Indonesia or English, never a password)::

    module = AnsibleModule(argument_spec=site_argument_spec(), supports_check_mode=True)
    result = on_site(module, lambda site: ... site.conn.query(...) ...)

Kept free of syntax newer than Python 3.6 (CentOS 7 court servers).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_common import MESSAGES
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import (
    DEFAULT_LANGUAGE, LANGUAGES, SippError, language_argument_spec)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_config import (
    DEFAULT_SEARCH_PATHS, DATABASE_PHP, SippConfigError, app_missing_markers, find_app_candidates,
    parse_database_php)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import (
    SippDbError, connect, connection_params, sipp_login_argument_spec)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_lock import keep_alive, lock_argument_spec

LOGIN_KEYS = ('login_host', 'login_port', 'login_user', 'login_password', 'login_unix_socket', 'login_db',
              'connect_timeout', 'connect_wait')
DEFAULT_PUBLIC_GROUP = 'web'


def site_argument_spec():
    """Options of every module that reaches a court's SIPP: app_path, search_paths, db_group, language, the
    login options of :func:`sipp_db.sipp_login_argument_spec` and the run's ``lock`` (:func:`open_site` keeps its
    heartbeat while the module runs). Returns a new dict the caller may extend."""
    spec = dict(
        app_path=dict(type='path'),
        search_paths=dict(type='list', elements='path', default=list(DEFAULT_SEARCH_PATHS)),
        db_group=dict(type='str'),
    )
    spec.update(sipp_login_argument_spec())
    spec.update(lock_argument_spec())
    spec.update(language_argument_spec())
    return spec


class SiteError(SippError):
    """SIPP cannot be reached. ``text``: the rendered user message (what happened, that nothing was changed, what to
    do), never holding a password. ``key``/``params``: the message key of sipp_common and its placeholders (for a
    caller that words it differently). ``details``: password-free extra values for ``fail_json``
    (``app_path``, ``app_candidates``, ``search_paths``)."""

    catalogue = MESSAGES


def error_text(language, exc, config_file=None):
    """Render a SippConfigError or SippDbError as a user message of sipp_common (no password in its params)."""
    params = dict(exc.params)
    if config_file is not None:
        params.setdefault('file', config_file)
    return MESSAGES.text(language, exc.key, **params)


def _site_error(language, exc, config_file=None, **details):
    params = dict(exc.params)
    if config_file is not None:
        params.setdefault('file', config_file)
    return SiteError.said(language, exc.key, details=details, **params)


class Site(object):
    """A reached SIPP installation.

    Attributes: ``path`` (application folder), ``config_file`` (its database.php), ``config``
    (sipp_config.DatabaseConfig), ``group`` (database.php group of SIPP's database), ``params`` (connection
    parameters: they hold the password, never return them), ``conn`` (open connection, see sipp_db), ``version``
    (sys_config id 80), ``language``, ``candidates`` (every SIPP-looking folder found, plus app_path when given),
    ``backend`` (``pymysql`` or ``cli``), ``module``.
    """

    def __init__(self, module, path, config_file, config, group, params, conn, version, candidates=None):
        self.module = module
        self.path = path
        self.config_file = config_file
        self.config = config
        self.group = group
        self.params = params
        self.conn = conn
        self.version = version
        self.language = _language(module)
        self.candidates = list(candidates or [path])
        self.backend = getattr(conn, 'backend', None)

    @property
    def database(self):
        """Name of SIPP's database (schema)."""
        name = self.params.get('database')
        if not name and self.conn is not None:
            name = self.conn.query_value('SELECT DATABASE()')
        return name

    def close(self):
        """Close the connection to SIPP's database (safe to call twice)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def error_text(self, exc):
        """Render a SippConfigError/SippDbError met while working on this site as a user message."""
        return error_text(self.language, exc, self.config_file)

    def public_params(self, group=DEFAULT_PUBLIC_GROUP):
        """Connection parameters of the public side (SIPP web) database of synchronisation: group ``group`` of
        database.php, with this module's connect_timeout (the login_* options concern SIPP's own database only).
        The result holds a password: never return it. Raises SiteError (key ``config_group_missing`` when the
        group is not in the file, or another key of sipp_config)."""
        try:
            return connection_params(
                login={'connect_timeout': self.module.params.get('connect_timeout')}, config=self.config,
                group=group)
        except SippConfigError as exc:
            raise _site_error(self.language, exc, self.config_file, app_path=self.path)

    def public_connect(self, group=DEFAULT_PUBLIC_GROUP, timeout=None):
        """Open a connection to the public side database (see :meth:`public_params`) with this site's backend
        choice; ``timeout`` (seconds) overrides connect_timeout. Raises SiteError (key ``connect_failed``,
        ``client_missing``, ``driver_missing`` or one of public_params); its ``params`` carry ``target`` and
        ``error``."""
        params = self.public_params(group)
        if timeout:
            params['connect_timeout'] = int(timeout)
        try:
            return connect(params, self.module.params.get('db_client_backend') or 'auto', self.module)
        except SippDbError as exc:
            raise _site_error(self.language, exc, self.config_file, app_path=self.path)


def _language(module):
    lang = module.params.get('language') or DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _open_app(module, path, wait=True):
    """Parse database.php of ``path``, connect, read the version. Returns a Site; raises SiteError. ``wait=False``:
    a database that does not answer is not waited for (connect_wait), as when choosing among several folders."""
    lang = _language(module)
    config_file = os.path.join(path, DATABASE_PHP)
    try:
        config = parse_database_php(config_file)
        group = module.params.get('db_group') or config.default_group()
        login = dict((k, module.params.get(k)) for k in LOGIN_KEYS)
        if not wait:
            login['connect_wait'] = 0
        params = connection_params(login=login, config=config, group=group)
    except SippConfigError as exc:
        raise _site_error(lang, exc, config_file, app_path=path)
    try:
        conn = connect(params, module.params.get('db_client_backend') or 'auto', module)
    except SippDbError as exc:
        raise _site_error(lang, exc, config_file, app_path=path)
    try:
        version = conn.query_value('SELECT value FROM sys_config WHERE id = 80')
    except SippDbError as exc:
        conn.close()
        raise _site_error(lang, exc, config_file, app_path=path)
    if version is None or not str(version).strip():
        conn.close()
        database = params.get('database') or ''
        raise SiteError.said(lang, 'version_missing', details=dict(app_path=path), database=database)
    return Site(module, path, config_file, config, group, params, conn, str(version).strip())


def open_site(module):
    """Find, read and connect to the court's SIPP. Returns a Site (the caller closes it); raises SiteError.

    How the folder is chosen: ``app_path`` when given (it must hold index.php, system/ and
    application/config/database.php). Otherwise every candidate of ``search_paths`` (see
    sipp_config.find_app_candidates) is tried in order, and the first whose database answers with a SIPP version is
    chosen; a warning then names the others. A warning is also given when 'localhost' had no unix socket.
    """
    lang = _language(module)
    # the run's lock stays alive while this module works (a long dump, migration or restore), from here to its end
    if getattr(module, 'sipp_heartbeat', None) is None:
        module.sipp_heartbeat = keep_alive(module)
    search_paths = module.params.get('search_paths') or []
    candidates = find_app_candidates(search_paths)
    app_path = module.params.get('app_path')
    if app_path:
        app_path = os.path.abspath(app_path)
        missing = app_missing_markers(app_path)
        if missing:
            raise SiteError.said(lang, 'app_path_invalid', path=app_path, missing=', '.join(missing))
        if app_path not in candidates:
            candidates.insert(0, app_path)
        to_try = [app_path]
    else:
        if not candidates:
            paths = ', '.join(search_paths) or '-'
            raise SiteError.said(lang, 'no_app_found', details=dict(search_paths=search_paths), paths=paths)
        to_try = list(candidates)

    site = None
    errors = []
    # among several folders (an old copy whose database no longer runs), the first that answers is chosen at once
    for path in to_try:
        try:
            site = _open_app(module, path, wait=len(to_try) == 1)
            break
        except SiteError as exc:
            errors.append((path, exc))
    if site is None:
        if len(errors) == 1:
            path, exc = errors[0]
            exc.details = dict(app_path=path, app_candidates=candidates)
            raise exc
        params = dict(paths=', '.join(to_try), errors=' | '.join('%s: %s' % (p, e.text) for p, e in errors))
        raise SiteError.said(lang, 'candidates_all_failed', details=dict(app_candidates=candidates), **params)

    site.candidates = candidates
    if len(to_try) > 1:
        module.warn(MESSAGES.text(lang, 'several_candidates', paths=', '.join(to_try), chosen=site.path))
    if site.params.get('socket_found') is False:
        module.warn(MESSAGES.text(lang, 'socket_not_found'))
    return site


def on_site(module, work, nothing_done=None):
    """The one way a module works on the court's SIPP: open it, run ``work(site)``, close it whatever happens, and
    return what ``work`` returned. When SIPP cannot be reached the module fails with the SiteError's message and
    details (and ``nothing_done``: the module's result fields as they are when nothing was done); a database error,
    or a refusal (SippError) that ``work`` raises, fails it with the message in the site's language and the
    application folder."""
    try:
        site = open_site(module)
    except SiteError as exc:
        module.fail_json(msg=exc.text, **dict(nothing_done or {}, **exc.details))
    try:
        return work(site)
    except SippDbError as exc:
        module.fail_json(msg=site.error_text(exc), app_path=site.path)
    except SippError as exc:
        module.fail_json(msg=exc.render(site.language), app_path=site.path)
    finally:
        site.close()
