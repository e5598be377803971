"""Every canonical and deprecated import path of the state machines, idle expiry and resilience.

Each path is imported in a fresh process (a fork of one interpreter that has imported only
``autoplay_sdk``, as a user's process would have): canonical paths never warn and export exactly
the documented names; deprecated paths warn once per old module (old path first), keep object
identity, and stay silent on a second import.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

V2_ALL = ["AgentStateV2", "InvalidTransitionError", "ProactiveState", "ReactiveState", "SessionState", "ThinkingState"]

# canonical module -> its exact __all__ (None: the module defines none that the contract fixes)
CANONICAL: dict[str, list[str] | None] = {
    "autoplay_sdk.agent_state": [],
    "autoplay_sdk.agent_state.v2": V2_ALL,
    "autoplay_sdk.agent_state.v2.states": V2_ALL,
    "autoplay_sdk.agent_state.v2.session_state": None,
    "autoplay_sdk.agent_state.v2.types": None,
}

# deprecated path -> (canonical module, package alias?, old parents imported first)
DEPRECATED: dict[str, tuple[str, bool, list[str]]] = {
    "autoplay_sdk.agent_state_v2": ("autoplay_sdk.agent_state.v2.states", True, []),
    "autoplay_sdk.agent_state_v2.session_state": (
        "autoplay_sdk.agent_state.v2.session_state",
        False,
        ["autoplay_sdk.agent_state_v2"],
    ),
    "autoplay_sdk.agent_state_v2.types": ("autoplay_sdk.agent_state.v2.types", False, ["autoplay_sdk.agent_state_v2"]),
}

_CHILD = textwrap.dedent(
    """
    import importlib, json, os, sys, warnings
    import autoplay_sdk

    CANONICAL, DEPRECATED = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    MESSAGE = "`{}` has moved to `{}`. Update your imports before 1.0.0, when the old path will be removed."

    def check_canonical(name, expected_all):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            module = importlib.import_module(name)
        if expected_all is not None:
            assert list(module.__all__) == expected_all, (name, module.__all__)
            for attr in expected_all:
                getattr(module, attr)

    def check_deprecated(old, new, is_package, parents):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = importlib.import_module(old)
        canonical = importlib.import_module(new)
        expected = [MESSAGE.format(p, DEPRECATED[p][0]) for p in parents] + [MESSAGE.format(old, new)]
        assert [str(w.message) for w in caught] == expected, [str(w.message) for w in caught]
        assert all(w.category is DeprecationWarning for w in caught)
        # importlib.import_module is the importer here, so the warnings point at it
        assert all(w.filename.endswith(os.path.join("importlib", "__init__.py")) for w in caught), [
            w.filename for w in caught
        ]
        if is_package:
            assert module is not canonical and module.__name__ == old
            for attr in getattr(canonical, "__all__", []):
                assert getattr(module, attr) is getattr(canonical, attr), attr
            try:
                module.no_such_name
            except AttributeError as exc:
                assert str(exc) == f"module {old!r} has no attribute 'no_such_name'"
            else:
                raise AssertionError("missing name did not raise")
        else:
            assert module is canonical and sys.modules[old] is canonical
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert importlib.import_module(old) is module

    failures = {}
    jobs = [(n, check_canonical, (n, a)) for n, a in CANONICAL.items()]
    jobs += [(o, check_deprecated, (o, *row)) for o, row in DEPRECATED.items()]
    for name, check, args in jobs:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # a fresh import state for this one path
            os.close(read)
            try:
                check(*args)
                os.write(write, b"")
            except BaseException as exc:
                os.write(write, f"{type(exc).__name__}: {exc}".encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            error = pipe.read().decode()
        os.waitpid(pid, 0)
        if error:
            failures[name] = error
    print(json.dumps(failures))
    """
)


def test_every_path_in_a_fresh_process() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(CANONICAL), json.dumps(DEPRECATED)],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}


def test_root_binds_the_canonical_v2_package_without_warning() -> None:
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('error')\n"
        "from autoplay_sdk import agent_state_v2\n"
        "import autoplay_sdk.agent_state.v2 as v2\n"
        "assert agent_state_v2 is v2\n"
        "assert 'autoplay_sdk.agent_state_v2' not in sys.modules\n"
        "assert 'autoplay_sdk.proactive' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
