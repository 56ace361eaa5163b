"""What the untrusted child is told about an exercise: a *task*, never the spec module.

The child must not be able to import an exercise's spec (its reference and the helpers that build it live there,
and the jail hides the specs folder). The grader, which runs trusted, turns an exercise into a task: the answer's
name, the hidden inputs, the gradient names, and the probe. A probe is shipped as *source*: the spec's ``probe``
function and the spec-package helpers it calls (e.g. ``_keras_probe.probe_layer``), each with the globals it uses
(public modules, their attributes, plain data). Anything that would carry the reference into the child (a name
containing "reference", a class or object defined in a spec) is refused, loudly, when the task is built.
"""
from __future__ import annotations

import inspect
import textwrap
import types

import numpy as np

SPECS_PACKAGE = "autograder.specs"
_DATA = (str, int, float, bool, type(None), np.ndarray, np.generic)


class TaskError(RuntimeError):
    """A spec's probe cannot be shipped to the sandbox (the grader's fault, not a learner's)."""


def _is_data(value) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_is_data(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_data(v) for k, v in value.items())
    return isinstance(value, _DATA)


def _names(code: types.CodeType) -> set[str]:
    out = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out |= _names(const)
    return out


def _private_module(name: str) -> bool:
    return name == SPECS_PACKAGE or name.startswith(SPECS_PACKAGE + ".")


def ship_function(fn, modules: dict | None = None) -> dict:
    """{module name: {"functions": {name: source}, "globals": {name: binding}}} for ``fn`` and what it calls."""
    modules = {} if modules is None else modules
    mod = fn.__module__
    if "reference" in fn.__name__:
        raise TaskError(f"{mod}.{fn.__name__} looks like reference code: it is never shipped to the sandbox")
    space = modules.setdefault(mod, {"functions": {}, "globals": {}})
    if fn.__name__ in space["functions"]:
        return modules
    if fn.__closure__:
        raise TaskError(f"{mod}.{fn.__name__} is a closure: a probe must be a plain module-level function")
    space["functions"][fn.__name__] = textwrap.dedent(inspect.getsource(fn))
    for name in sorted(_names(fn.__code__)):
        if name not in fn.__globals__ or name in space["globals"] or name in space["functions"]:
            continue
        value = fn.__globals__[name]
        if "reference" in name:
            raise TaskError(f"the probe {mod}.{fn.__name__} uses {name!r}: reference code never enters the sandbox")
        if isinstance(value, types.ModuleType):
            if _private_module(value.__name__):
                raise TaskError(f"{mod}.{fn.__name__} uses the spec module {value.__name__} itself")
            space["globals"][name] = ("module", value.__name__)
        elif isinstance(value, types.FunctionType) and _private_module(value.__module__):
            ship_function(value, modules)
            space["globals"][name] = ("function", value.__module__, value.__name__)
        elif callable(value) and getattr(value, "__module__", None) and not _private_module(value.__module__):
            space["globals"][name] = ("attr", value.__module__, value.__qualname__)
        elif _is_data(value):
            space["globals"][name] = ("data", value)
        else:
            raise TaskError(f"{mod}.{fn.__name__} uses {name!r} ({type(value).__name__}), which cannot be shipped")
    return modules


def describe_probe(ex) -> dict:
    """The probe of exercise ``ex`` as data: a generic one (``wrt``) or shipped source."""
    fn = getattr(ex.module, "probe", None)
    if fn is None:
        return {"generic": list(getattr(ex.module, "WRT", ()))}
    return {"modules": ship_function(fn), "main": (fn.__module__, fn.__name__)}


def build_task(ex, seed: int, grad_names: list[str]) -> dict:
    """Everything the child needs to probe ``ex``: hidden inputs yes, expected values never."""
    return {"id": ex.id, "entry": ex.entry, "probe": describe_probe(ex), "cases": ex.cases(seed),
            "grad_names": list(grad_names)}


# --- the child's side ---------------------------------------------------------------------------------------

def load_probe(desc: dict):
    """Rebuild a probe function from ``describe_probe``'s data (runs in the child)."""
    import importlib

    from autograder.probe import generic_probe
    if "generic" in desc:
        return generic_probe(desc["generic"])
    import __future__
    flags = __future__.annotations.compiler_flag
    spaces: dict[str, dict] = {}
    for mod, space in desc["modules"].items():
        ns = spaces.setdefault(mod, {"__name__": mod, "__builtins__": __builtins__})
        for name, binding in space["globals"].items():
            if binding[0] == "module":
                ns[name] = importlib.import_module(binding[1])
            elif binding[0] == "attr":
                obj = importlib.import_module(binding[1])
                for part in binding[2].split("."):
                    obj = getattr(obj, part)
                ns[name] = obj
            elif binding[0] == "data":
                ns[name] = binding[1]
        for name, source in space["functions"].items():
            exec(compile(source, f"<probe {mod}.{name}>", "exec", flags=flags, dont_inherit=True), ns)  # noqa: S102
    for mod, space in desc["modules"].items():
        for name, binding in space["globals"].items():
            if binding[0] == "function":
                spaces[mod][name] = spaces[binding[1]][binding[2]]
    mod, name = desc["main"]
    return spaces[mod][name]
