"""What BPMN conditions, scripts and DMN cells are allowed to call.

Every name a script can see comes from this module: ``SCRIPT_GLOBALS`` (a
few pure helpers) and ``SAFE_BUILTINS`` (side-effect-free builtins). There is
no ``__import__``, ``open``, ``eval``, ``exec``, ``compile``, ``getattr`` or
``globals``, so an ``import`` statement or a call to ``open()`` fails.

This is NOT a sandbox. Python cannot be sandboxed by trimming builtins
(attribute walks such as ``().__class__.__base__`` still reach everything).
The allow-list exists to stop accidents and keep the process files honest
and portable. The BPMN and DMN files are code: they are reviewed and merged
like any other code, and never uploaded by users.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

# Builtins that only compute. Deliberately excluded: __import__, open, eval,
# exec, compile, input, print, breakpoint, getattr/setattr/delattr, globals,
# locals, vars, dir, type, object, super, memoryview, __build_class__.
_SAFE_BUILTIN_NAMES = (
    "abs",
    "all",
    "any",
    "bool",
    "dict",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "frozenset",
    "int",
    "isinstance",
    "len",
    "list",
    "map",
    "max",
    "min",
    "range",
    "reversed",
    "round",
    "set",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
)

SAFE_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in _SAFE_BUILTIN_NAMES}


def one_of(value: Any, options: Iterable[Any]) -> bool:
    """True if ``value`` is one of ``options``. Reads better than ``in`` in a modeler's condition box."""
    return value in tuple(options)


def all_true(*values: Any) -> bool:
    """True only if every value is exactly True, so a missing answer (None) never counts as a yes."""
    return all(value is True for value in values)


def any_true(*values: Any) -> bool:
    """True if any value is exactly True."""
    return any(value is True for value in values)


def count_true(*values: Any) -> int:
    """How many values are exactly True (for example, how many agencies disagree)."""
    return sum(1 for value in values if value is True)


SCRIPT_GLOBALS: dict[str, Any] = {
    "one_of": one_of,
    "all_true": all_true,
    "any_true": any_true,
    "count_true": count_true,
}
