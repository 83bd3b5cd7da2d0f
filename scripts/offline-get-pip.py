# -*- coding: utf-8 -*-
# Offline stand-in for ansible-test's get-pip-<version>.py bootstrap script.
#
# ansible-test downloads https://ci-files.testing.ansible.com/ansible-test/get-pip-<ver>.py,
# a host this project cannot reach, and caches it at ~/.ansible/test/cache/get_pip_<ver>.py.
# scripts/setup.sh writes this file there under every name ansible-test asks for.
#
# ansible-test runs it (through ansible_test/_util/target/setup/quiet_pip.py, with
# GET_PIP pointing here) inside a fresh virtual environment that has no pip, as:
#     <venv python> <quiet_pip.py> --disable-pip-version-check pip==X [setuptools==Y wheel==Z]
#                                  [--no-setuptools] [--no-wheel]
# Like the real get-pip.py it pip-installs the requested packages; the pip that does it
# is the wheel bundled with the interpreter's own ensurepip (or Debian's python-wheels).
# If the exact versions cannot be fetched, the bundled pip wheel is installed instead.
#
# Runs on every Python ansible-test may target (2.7, 3.6 ... 3.14): keep the syntax old.
from __future__ import absolute_import, print_function

import glob
import os
import sys


def find_pip_wheel():
    """Return the path of a pip wheel bundled with this interpreter.

    The interpreter's own ensurepip wheel first: it is the one known to run on this Python
    (Debian's /usr/share/python-wheels holds a pip for Debian's Python 3.11 only).
    """
    for pattern in (os.path.join('{ensurepip}', '_bundled', 'pip-*.whl'), '/usr/share/python-wheels/pip-*.whl'):
        if '{ensurepip}' in pattern:
            try:
                import ensurepip
            except ImportError:
                continue
            pattern = pattern.replace('{ensurepip}', os.path.dirname(ensurepip.__file__))
        candidates = glob.glob(pattern)
        if candidates:
            return sorted(candidates, key=wheel_version)[-1]
    return None


def wheel_version(path):
    """pip-23.2.1-py3-none-any.whl -> (23, 2, 1)"""
    parts = os.path.basename(path).split('-')[1].split('.')
    return tuple(int(p) if p.isdigit() else 0 for p in parts)


def load_pip_main(wheel):
    """Import pip's entry point from the wheel (a zip on sys.path, as get-pip.py does)."""
    sys.path.insert(0, wheel)
    try:
        from pip._internal.cli.main import main  # pip >= 19.3
    except ImportError:
        try:
            from pip._internal import main  # pip 10 - 19.2
        except ImportError:
            from pip import main  # pip < 10
    return main


def main():
    args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
    options = [arg for arg in args if arg.startswith('-')]
    packages = [arg for arg in args if not arg.startswith('-')]

    wheel = find_pip_wheel()
    if wheel is None:
        print('offline-get-pip: no bundled pip wheel found for %s' % sys.executable, file=sys.stderr)
        sys.exit(1)

    pip_main = load_pip_main(wheel)

    if packages:
        rc = pip_main(['install', '--upgrade', '--force-reinstall'] + options + packages)
        if rc == 0:
            sys.exit(0)
        print('offline-get-pip: could not install %s; installing the bundled %s instead'
              % (' '.join(packages), os.path.basename(wheel)), file=sys.stderr)

    # pip < 20 leaves its request tracker's (deleted) folder in the environment: start clean.
    for name in ('PIP_REQ_TRACKER', 'PIP_BUILD_TRACKER'):
        os.environ.pop(name, None)
    rc = pip_main(['install', '--upgrade', '--no-index'] + options + [wheel])
    sys.exit(rc)


if __name__ == '__main__':
    main()
