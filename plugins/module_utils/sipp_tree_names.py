# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names of the trees an upgrade keeps beside a court's application folder, made in this one place.

``<parent>/.<folder>.sipp-<to_version>``: the new tree being built; ``<parent>/.<folder>.sipp-previous-<from_version>``:
the old tree a switch keeps (what the downgrade puts back); ``<parent>/.<folder>.sipp-failed-<time>``: a tree set
aside after a failed switch. ``parent`` is the application folder's own parent, or in the release layout (the
application folder a link to a release folder) the release folders' parent, so that renames and hard links stay on
one file system. Used on the court by sipp_app_tree (which makes and switches the trees) and sipp_info (which says
where a switch from the court's version would keep the old tree, for the SOP's record).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import time

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_links import release_of


def split_app(app_path):
    app_path = os.path.abspath(app_path).rstrip('/') or '/'
    return app_path, os.path.dirname(app_path), os.path.basename(app_path)


def tree_home(app_path):
    """(app_path, parent, folder): the trees of this module live in ``parent``, named after ``folder``. For a plain
    application folder, beside it; in the release layout, beside the release folders (same file system as the
    release, so hard links and renames work), still named after the application folder."""
    app_path, parent, folder = split_app(app_path)
    release = release_of(app_path)
    if release:
        parent = os.path.dirname(release['release'])
    return app_path, parent, folder


def sibling_prefix(app_path):
    return '.%s.sipp-' % split_app(app_path)[2]


def default_staging(app_path, to_version):
    app_path, parent, folder = tree_home(app_path)
    return os.path.join(parent, '.%s.sipp-%s' % (folder, to_version))


def default_previous(app_path, from_version):
    app_path, parent, folder = tree_home(app_path)
    return os.path.join(parent, '.%s.sipp-previous-%s' % (folder, from_version))


def failed_name(app_path, stamp=None):
    app_path, parent, folder = tree_home(app_path)
    path = os.path.join(parent, '.%s.sipp-failed-%s' % (folder, stamp or time.strftime('%Y%m%d-%H%M%S')))
    free, n = path, 1
    while os.path.lexists(free):
        n += 1
        free = '%s-%d' % (path, n)
    return free


def release_path(release, from_version, to_version):
    """The new release folder beside ``release``: its name with the old version replaced by the new one
    (``SIPP-5.1.0`` -> ``SIPP-5.2.0``), else the name with ``-<to_version>`` added."""
    parent, name = os.path.split(release)
    if from_version and from_version in name and from_version != to_version:
        head, _sep, tail = name.rpartition(from_version)
        new = head + to_version + tail
    else:
        new = '%s-%s' % (name, to_version)
    return os.path.join(parent, new)


def kept_tree(app_path, from_version):
    """Where a switch from ``from_version`` keeps the old tree: the old release folder itself in the release layout
    (the link is pointed at the new release), else ``default_previous``."""
    release = release_of(os.path.abspath(app_path).rstrip('/') or '/')
    return release['release'] if release else default_previous(app_path, from_version)
