# -*- coding: utf-8 -*-
"""Controller mode for the filter tests only.

On ansible-core 2.19+, importing controller code (the filters import ansible.errors, ansible.template) marks the whole
process as the controller; the module tests later in the same pytest process must not run that way (their warnings
would go to Ansible's display instead of their results). So the mark is undone after each file is collected, and set
only while a filter test runs.
"""

from __future__ import (absolute_import, division, print_function)

import pytest

try:  # ansible-core 2.19+
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:  # 2.16
    module_utils_internal = None

IS_CONTROLLER_BEFORE = getattr(module_utils_internal, 'is_controller', None)


def _controller(flag):
    if module_utils_internal is not None and IS_CONTROLLER_BEFORE is not None:
        module_utils_internal.is_controller = flag


def pytest_collectreport(report):
    _controller(IS_CONTROLLER_BEFORE)


@pytest.fixture(autouse=True)
def controller_mode():
    _controller(True)
    yield
    _controller(IS_CONTROLLER_BEFORE)
