"""Every canonical and deprecated import path of the state machines, idle expiry and resilience.

Each path is imported in a fresh process (a fork of one interpreter that has imported only
``autoplay_sdk``, as a user's process would have): canonical paths never warn and export exactly
the documented names; deprecated paths warn once per old module (old path first), keep object
identity, and stay silent on a second import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

V1_ALL = [
    "AgentState",
    "AgentStateMachine",
    "InvalidSnapshotError",
    "InvalidTransitionError",
    "ProactiveIdleExpiryHooks",
    "ProactiveIdleExpiryPipelineResult",
    "ProactiveIdleExpiryPipelineStatus",
    "ProactiveIdleExpiryResult",
    "SessionMetrics",
    "TaskProgress",
    "proactive_idle_eligible",
    "run_proactive_idle_expiry",
]
STATE_ALL = [
    "ProactiveIdleExpiryHooks",
    "ProactiveIdleExpiryResult",
    "ProactiveIdleExpiryPipelineResult",
    "ProactiveIdleExpiryPipelineStatus",
    "run_proactive_idle_expiry",
]
RESILIENCE_ALL = [
    "DEFAULT_MIN_INTERVAL_SECONDS",
    "CircuitBreakerConfig",
    "InMemoryProactiveCircuitBreaker",
    "ProactiveDeliveryOutcome",
    "ProactiveRateLimitConfig",
    "ProactiveResilienceConfig",
    "ProactiveResilienceKeySpace",
    "ProactiveResilienceStore",
    "ProactiveSurfaceId",
    "outcome_counts_toward_circuit",
    "proactive_key_namespace",
    "proactive_key_suffixes",
]
RESILIENCE_MODULES = ("circuit", "config", "keys", "outcomes", "protocol")
V2_ALL = ["AgentStateV2", "InvalidTransitionError", "ProactiveState", "ReactiveState", "SessionState", "ThinkingState"]

# canonical module -> its exact __all__ (None: the module defines none that the contract fixes)
CANONICAL: dict[str, list[str] | None] = {
    "autoplay_sdk.agent_state": [],
    "autoplay_sdk.agent_state.v2": V2_ALL,
    "autoplay_sdk.agent_state.v2.states": V2_ALL,
    "autoplay_sdk.agent_state.v2.session_state": None,
    "autoplay_sdk.agent_state.v2.types": None,
    "autoplay_sdk.agent_state.v1": V1_ALL,
    "autoplay_sdk.agent_state.v1.states": V1_ALL,
    "autoplay_sdk.agent_state.v1.state_machine": None,
    "autoplay_sdk.agent_state.v1.types": None,
    "autoplay_sdk.proactive": [],
    "autoplay_sdk.proactive.state": STATE_ALL,
    "autoplay_sdk.proactive.state.idle_expiry": None,
    "autoplay_sdk.proactive.resilience": RESILIENCE_ALL,
    "autoplay_sdk.proactive.resilience.resilience": None,
    **{f"autoplay_sdk.proactive.resilience.{m}": None for m in RESILIENCE_MODULES},
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
    "autoplay_sdk.agent_states": ("autoplay_sdk.agent_state.v1.states", True, []),
    "autoplay_sdk.agent_states.state_machine": (
        "autoplay_sdk.agent_state.v1.state_machine",
        False,
        ["autoplay_sdk.agent_states"],
    ),
    "autoplay_sdk.agent_states.types": ("autoplay_sdk.agent_state.v1.types", False, ["autoplay_sdk.agent_states"]),
    "autoplay_sdk.agent_states.proactive_idle_expiry": (
        "autoplay_sdk.proactive.state.idle_expiry",
        False,
        ["autoplay_sdk.agent_states"],
    ),
    "autoplay_sdk.proactive_idle_expiry": ("autoplay_sdk.proactive.state.idle_expiry", False, []),
    "autoplay_sdk.proactive_resilience": ("autoplay_sdk.proactive.resilience.resilience", True, []),
    **{
        f"autoplay_sdk.proactive_resilience.{m}": (
            f"autoplay_sdk.proactive.resilience.{m}",
            False,
            ["autoplay_sdk.proactive_resilience"],
        )
        for m in RESILIENCE_MODULES
    },
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

    def check_snippet(code):
        exec(code, {"__name__": "__snippet__"})

    failures = {}
    jobs = [(n, check_canonical, (n, a)) for n, a in CANONICAL.items()]
    jobs += [(o, check_deprecated, (o, *row)) for o, row in DEPRECATED.items()]
    jobs += [(n, check_snippet, (code,)) for n, code in json.loads(sys.argv[3]).items()]
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


# Checks of the package root, each run in its own fork like the paths above.
SNIPPETS = {
    "root binds the canonical v2 package": """
import sys, warnings
warnings.simplefilter("error")
from autoplay_sdk import agent_state_v2
import autoplay_sdk.agent_state.v2 as v2
assert agent_state_v2 is v2
assert "autoplay_sdk.agent_state_v2" not in sys.modules
assert "autoplay_sdk.proactive" not in sys.modules and "autoplay_sdk.agent_state.v1" not in sys.modules
""",
    "root serves the v1 names, one warning each": """
import sys, warnings
import autoplay_sdk
names = ["AgentState", "AgentStateMachine", "InvalidSnapshotError", "InvalidTransitionError",
         "SessionMetrics", "TaskProgress"]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from autoplay_sdk import AgentState, AgentStateMachine, InvalidSnapshotError
    from autoplay_sdk import InvalidTransitionError, SessionMetrics, TaskProgress
    again = autoplay_sdk.AgentStateMachine
import autoplay_sdk.agent_state.v1 as v1
assert all(getattr(autoplay_sdk, n) is getattr(v1, n) for n in names)
assert again is v1.AgentStateMachine
assert not set(names) & set(autoplay_sdk.__all__)
assert [str(w.message) for w in caught] == [
    f"`autoplay_sdk.{n}` has moved to `autoplay_sdk.agent_state.v1`. Update your imports before 1.0.0,"
    " when the old path will be removed." for n in names], [str(w.message) for w in caught]
assert all(w.category is DeprecationWarning and w.filename == "<string>" for w in caught)
try:
    autoplay_sdk.NoSuchName
except AttributeError as exc:
    assert str(exc) == "module 'autoplay_sdk' has no attribute 'NoSuchName'", exc
else:
    raise AssertionError("missing name did not raise")
""",
    "resilience imports no redis": """
import sys
import autoplay_sdk.proactive.resilience, autoplay_sdk.proactive.resilience.gate
import autoplay_sdk.proactive.resilience.stores
assert "redis" not in sys.modules
""",
}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="each path is checked in a fork of one interpreter")
def test_every_path_in_a_fresh_process() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(CANONICAL), json.dumps(DEPRECATED), json.dumps(SNIPPETS)],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}


def test_idle_expiry_names_are_the_same_objects_everywhere() -> None:
    import autoplay_sdk.agent_state.v1 as v1
    import autoplay_sdk.agent_state.v1.types as v1_types
    import autoplay_sdk.proactive.state as state
    import autoplay_sdk.proactive.state.idle_expiry as idle_expiry

    for name in STATE_ALL:
        assert getattr(v1, name) is getattr(state, name) is getattr(idle_expiry, name), name
    assert v1_types.ProactiveIdleExpiryResult is idle_expiry.ProactiveIdleExpiryResult
