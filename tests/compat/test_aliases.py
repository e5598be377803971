"""Deprecated import paths: the alias table, the import hook and the warning helper (spec 04 §3–§4).

Every row of the table is exercised by one parametrised test; rows whose canonical module has not
landed yet are skipped with that reason and become real tests as the modules arrive.  The package
alias machinery is also exercised today through temporary rows (``_aliases._temporary_rows``)
pointing at ``autoplay_sdk.core``.

Imports of old paths are written as ``__import__(name)`` in this file so that the warning's
attribution can be checked against this file (``importlib.import_module`` would attribute it to
``importlib/__init__.py``, as the spec says).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

import autoplay_sdk
import autoplay_sdk.core
import autoplay_sdk.core.exceptions
import autoplay_sdk.core.metrics
import autoplay_sdk.core.models
from autoplay_sdk import _aliases, compat
from autoplay_sdk.compat import shims

# Until autoplay_sdk/__init__.py installs the finder itself; install() is idempotent.
_aliases.install()

EXPECTED_SHIM_MAP: list[tuple[str, str]] = [
    ("autoplay_sdk.serve", "autoplay_sdk.api"),
    ("autoplay_sdk.serve.fastapi", "autoplay_sdk.api.fastapi"),
    ("autoplay_sdk.agent_state_v2", "autoplay_sdk.agent_state.v2.states"),
    ("autoplay_sdk.agent_state_v2.session_state", "autoplay_sdk.agent_state.v2.session_state"),
    ("autoplay_sdk.agent_state_v2.types", "autoplay_sdk.agent_state.v2.types"),
    ("autoplay_sdk.rag_query", "autoplay_sdk.rag.query"),
    ("autoplay_sdk.rag_query.assembly", "autoplay_sdk.rag.query.assembly"),
    ("autoplay_sdk.rag_query.formatters", "autoplay_sdk.rag.query.formatters"),
    ("autoplay_sdk.rag_query.pipeline", "autoplay_sdk.rag.query.pipeline"),
    ("autoplay_sdk.rag_query.watermark", "autoplay_sdk.rag.query.watermark"),
    ("autoplay_sdk.proactive_resilience", "autoplay_sdk.proactive.resilience.resilience"),
    ("autoplay_sdk.proactive_resilience.circuit", "autoplay_sdk.proactive.resilience.circuit"),
    ("autoplay_sdk.proactive_resilience.config", "autoplay_sdk.proactive.resilience.config"),
    ("autoplay_sdk.proactive_resilience.keys", "autoplay_sdk.proactive.resilience.keys"),
    ("autoplay_sdk.proactive_resilience.outcomes", "autoplay_sdk.proactive.resilience.outcomes"),
    ("autoplay_sdk.proactive_resilience.protocol", "autoplay_sdk.proactive.resilience.protocol"),
    ("autoplay_sdk.chatbot", "autoplay_sdk.chat.chatbot"),
    ("autoplay_sdk.chat_pipeline", "autoplay_sdk.chat.chat_pipeline"),
    ("autoplay_sdk.context_store", "autoplay_sdk.context.context_store"),
    ("autoplay_sdk.agent_context", "autoplay_sdk.context.agent_context"),
    ("autoplay_sdk.user_index", "autoplay_sdk.context.user_index"),
    ("autoplay_sdk.summarizer", "autoplay_sdk.context.summarizer"),
    ("autoplay_sdk.models", "autoplay_sdk.core.models"),
    ("autoplay_sdk.exceptions", "autoplay_sdk.core.exceptions"),
    ("autoplay_sdk.metrics", "autoplay_sdk.core.metrics"),
    ("autoplay_sdk.onboarding", "autoplay_sdk.admin.onboarding"),
    ("autoplay_sdk.proactive_idle_expiry", "autoplay_sdk.proactive.state.idle_expiry"),
    ("autoplay_sdk.proactive_triggers", "autoplay_sdk.proactive.triggers"),
    ("autoplay_sdk.proactive_triggers.builtin_catalog", "autoplay_sdk.proactive.triggers.builtin_catalog"),
    ("autoplay_sdk.proactive_triggers.context_source", "autoplay_sdk.proactive.triggers.context_source"),
    ("autoplay_sdk.proactive_triggers.defaults", "autoplay_sdk.proactive.triggers.defaults"),
    ("autoplay_sdk.proactive_triggers.entity", "autoplay_sdk.proactive.triggers.entity"),
    ("autoplay_sdk.proactive_triggers.judge", "autoplay_sdk.proactive.triggers.judge"),
    ("autoplay_sdk.proactive_triggers.pending_tour_offer", "autoplay_sdk.proactive.triggers.pending_tour_offer"),
    ("autoplay_sdk.proactive_triggers.predicate_trigger", "autoplay_sdk.proactive.triggers.predicate_trigger"),
    (
        "autoplay_sdk.proactive_triggers.proactive_intercom_config",
        "autoplay_sdk.proactive.triggers.proactive_intercom_config",
    ),
    ("autoplay_sdk.proactive_triggers.quick_reply_match", "autoplay_sdk.proactive.triggers.quick_reply_match"),
    ("autoplay_sdk.proactive_triggers.registry", "autoplay_sdk.proactive.triggers.registry"),
    ("autoplay_sdk.proactive_triggers.scope", "autoplay_sdk.proactive.triggers.scope"),
    ("autoplay_sdk.proactive_triggers.section_activity", "autoplay_sdk.proactive.triggers.section_activity"),
    ("autoplay_sdk.proactive_triggers.tour_registry", "autoplay_sdk.proactive.triggers.tour_registry"),
    ("autoplay_sdk.proactive_triggers.trigger_config", "autoplay_sdk.proactive.triggers.trigger_config"),
    ("autoplay_sdk.proactive_triggers.triggers", "autoplay_sdk.proactive.triggers.triggers"),
    (
        "autoplay_sdk.proactive_triggers.triggers.canonical_ping_pong",
        "autoplay_sdk.proactive.triggers.triggers.canonical_ping_pong",
    ),
    (
        "autoplay_sdk.proactive_triggers.triggers.scoped_canonical_ping_pong",
        "autoplay_sdk.proactive.triggers.triggers.scoped_canonical_ping_pong",
    ),
    (
        "autoplay_sdk.proactive_triggers.triggers.section_playbook",
        "autoplay_sdk.proactive.triggers.triggers.section_playbook",
    ),
    (
        "autoplay_sdk.proactive_triggers.triggers.user_page_dwell",
        "autoplay_sdk.proactive.triggers.triggers.user_page_dwell",
    ),
    ("autoplay_sdk.proactive_triggers.types", "autoplay_sdk.proactive.triggers.types"),
    ("autoplay_sdk.proactive_triggers.url_scope", "autoplay_sdk.proactive.triggers.url_scope"),
]

EXPECTED_V1_ROWS: list[tuple[str, str]] = [
    ("autoplay_sdk.agent_states", "autoplay_sdk.agent_state.v1.states"),
    ("autoplay_sdk.agent_states.state_machine", "autoplay_sdk.agent_state.v1.state_machine"),
    ("autoplay_sdk.agent_states.types", "autoplay_sdk.agent_state.v1.types"),
    ("autoplay_sdk.agent_states.proactive_idle_expiry", "autoplay_sdk.proactive.state.idle_expiry"),
]

ALL_ROWS = EXPECTED_SHIM_MAP + EXPECTED_V1_ROWS
CANONICAL = dict(ALL_ROWS)

# Spec 04 §4.3 (six) plus `agent_states` (§3.3); every other row is a leaf alias (§4.2).
PACKAGE_ROWS = {
    "autoplay_sdk.serve",
    "autoplay_sdk.agent_state_v2",
    "autoplay_sdk.rag_query",
    "autoplay_sdk.proactive_resilience",
    "autoplay_sdk.proactive_triggers",
    "autoplay_sdk.proactive_triggers.triggers",
    "autoplay_sdk.agent_states",
}

# Synthetic rows over packages that exist today, for the package-alias machinery.
SYNTHETIC_ROWS = [
    ("autoplay_sdk.core_old", "autoplay_sdk.core"),
    ("autoplay_sdk.core_old.inner", "autoplay_sdk.core"),
    ("autoplay_sdk.core_old.inner.models", "autoplay_sdk.core.models"),
    ("autoplay_sdk.core_old.exceptions", "autoplay_sdk.core.exceptions"),
]

_MISSING = object()


def _message(old: str, new: str) -> str:
    return f"`{old}` has moved to `{new}`. Update your imports before 1.0.0, when the old path will be removed."


def _top(old: str) -> str:
    return ".".join(old.split(".")[:2])


@contextmanager
def _fresh(old: str) -> Iterator[None]:
    """Forget ``old``'s whole old-path tree (modules and the root attribute); restore it on exit."""
    top = _top(old)
    attr = top.rpartition(".")[2]

    def owned(name: str) -> bool:
        return name == top or name.startswith(top + ".")

    saved_modules = {name: mod for name, mod in sys.modules.items() if owned(name)}
    saved_attr = vars(autoplay_sdk).get(attr, _MISSING)
    for name in saved_modules:
        del sys.modules[name]
    vars(autoplay_sdk).pop(attr, None)
    try:
        yield
    finally:
        for name in [name for name in sys.modules if owned(name)]:
            del sys.modules[name]
        sys.modules.update(saved_modules)
        vars(autoplay_sdk).pop(attr, None)
        if saved_attr is not _MISSING:
            setattr(autoplay_sdk, attr, saved_attr)


@contextmanager
def _recorded() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


@pytest.fixture
def synthetic() -> Iterator[None]:
    with _aliases._temporary_rows(SYNTHETIC_ROWS), _fresh("autoplay_sdk.core_old"):
        yield


def _old_chain(old: str, rows: dict[str, str]) -> list[str]:
    """The old paths a fresh ``import old`` executes, outermost first (ancestor rows, then ``old``)."""
    parts = old.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts) + 1) if ".".join(parts[:i]) in rows]


def _assert_warnings(caught: list[warnings.WarningMessage], chain: list[str], rows: dict[str, str]) -> None:
    assert [str(w.message) for w in caught] == [_message(old, rows[old]) for old in chain]
    for w in caught:
        assert w.category is DeprecationWarning
        assert w.filename == __file__


# --- the table --------------------------------------------------------------------------------


def test_compat_exports() -> None:
    assert compat.__all__ == ["SHIM_MAP", "reexport_with_warning"]
    assert shims.__all__ == ["SHIM_MAP", "reexport_with_warning"]
    assert compat.SHIM_MAP is shims.SHIM_MAP
    assert compat.reexport_with_warning is shims.reexport_with_warning


def test_shim_map_is_the_published_49_rows_in_order() -> None:
    assert isinstance(compat.SHIM_MAP, list)
    assert len(compat.SHIM_MAP) == 49
    for row in compat.SHIM_MAP:
        assert type(row) is dict
        assert list(row) == ["old_module", "new_module"]
    assert [{"old_module": old, "new_module": new} for old, new in EXPECTED_SHIM_MAP] == compat.SHIM_MAP


def test_v1_rows_are_served_but_not_in_shim_map() -> None:
    assert [{"old_module": old, "new_module": new} for old, new in EXPECTED_V1_ROWS] == _aliases._V1_ROWS
    published = {row["old_module"] for row in compat.SHIM_MAP}
    assert not published & {old for old, _ in EXPECTED_V1_ROWS}
    for old, new in EXPECTED_V1_ROWS:
        assert _aliases._lookup(old) == (new, old in PACKAGE_ROWS)


def test_package_rows_follow_from_the_table() -> None:
    kinds = {old: _aliases._lookup(old) for old, _ in ALL_ROWS}
    assert {old for old, found in kinds.items() if found is not None and found[1]} == PACKAGE_ROWS
    assert all(found is not None and found[0] == CANONICAL[old] for old, found in kinds.items())
    assert _aliases._lookup("autoplay_sdk.core.models") is None


def test_install_is_idempotent() -> None:
    _aliases.install()
    _aliases.install()
    assert sum(finder is _aliases._FINDER for finder in sys.meta_path) == 1


# --- reexport_with_warning ---------------------------------------------------------------------


def test_reexport_with_warning_warns_and_returns_canonical_module() -> None:
    with _fresh("autoplay_sdk.models"), _recorded() as caught:
        module = compat.reexport_with_warning("autoplay_sdk.models", "autoplay_sdk.core.models")
        assert "autoplay_sdk.models" not in sys.modules  # the helper does not alias the old path
    assert module is autoplay_sdk.core.models
    assert [str(w.message) for w in caught] == [_message("autoplay_sdk.models", "autoplay_sdk.core.models")]
    assert caught[0].category is DeprecationWarning
    assert caught[0].filename == __file__  # stacklevel=2: the caller of the helper


def test_reexport_with_warning_missing_module_warns_then_raises() -> None:
    with _recorded() as caught, pytest.raises(ModuleNotFoundError):
        compat.reexport_with_warning("autoplay_sdk.gone", "autoplay_sdk.no_such_module")
    assert [str(w.message) for w in caught] == [_message("autoplay_sdk.gone", "autoplay_sdk.no_such_module")]


def test_reexport_with_warning_as_error_raises_before_importing() -> None:
    with warnings.catch_warnings(), pytest.raises(DeprecationWarning, match="has moved to"):
        warnings.simplefilter("error")
        compat.reexport_with_warning("autoplay_sdk.gone", "autoplay_sdk.no_such_module")


# --- every row of the table --------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), ALL_ROWS, ids=[old for old, _ in ALL_ROWS])
def test_row_fresh_import(old: str, new: str) -> None:
    chain = _old_chain(old, CANONICAL)
    for link in chain:
        if not _aliases._canonical_exists(CANONICAL[link]):
            pytest.skip(f"canonical module {CANONICAL[link]} does not exist yet")
    canonical = importlib.import_module(new)
    with _fresh(old):
        with _recorded() as caught:
            __import__(old)
        _assert_warnings(caught, chain, CANONICAL)
        module = sys.modules[old]
        parent = sys.modules[old.rpartition(".")[0]]
        assert getattr(parent, old.rpartition(".")[2]) is module
        if old in PACKAGE_ROWS:
            assert module is not canonical
            assert module.__name__ == old
            assert module.__path__ == []
            assert dir(module) == dir(canonical)
            for name in getattr(canonical, "__all__", ()):
                assert getattr(module, name) is getattr(canonical, name)
        else:
            assert module is canonical
            assert module.__name__ == new
        with _recorded() as caught:
            __import__(old)
            getattr(module, "__name__")  # noqa: B009 - attribute access never warns
        assert caught == []


# --- the three core aliases, concretely --------------------------------------------------------


def test_models_alias_identity_and_single_warning() -> None:
    with _fresh("autoplay_sdk.models"):
        with pytest.warns(DeprecationWarning) as record:
            import autoplay_sdk.models as old_models  # type: ignore[import-not-found, unused-ignore]
        assert [str(w.message) for w in record] == [_message("autoplay_sdk.models", "autoplay_sdk.core.models")]
        assert record[0].filename == __file__
        assert old_models is autoplay_sdk.core.models
        assert sys.modules["autoplay_sdk.models"] is autoplay_sdk.core.models
        assert vars(autoplay_sdk)["models"] is autoplay_sdk.core.models
        with _recorded() as caught:
            from autoplay_sdk.models import (  # type: ignore[import-not-found, unused-ignore]
                ActionsPayload,
                SlimAction,
                SummaryPayload,
            )
        assert caught == []
        assert ActionsPayload is autoplay_sdk.core.models.ActionsPayload
        assert SlimAction is autoplay_sdk.core.models.SlimAction
        assert SummaryPayload is autoplay_sdk.core.models.SummaryPayload
        assert ActionsPayload is autoplay_sdk.ActionsPayload
        assert dataclasses.is_dataclass(ActionsPayload)


def test_exceptions_and_metrics_aliases() -> None:
    with _fresh("autoplay_sdk.exceptions"), _fresh("autoplay_sdk.metrics"):
        with _recorded() as caught:
            from autoplay_sdk import exceptions, metrics  # type: ignore[attr-defined, unused-ignore]
        assert [str(w.message) for w in caught] == [
            _message("autoplay_sdk.exceptions", "autoplay_sdk.core.exceptions"),
            _message("autoplay_sdk.metrics", "autoplay_sdk.core.metrics"),
        ]
        assert all(w.filename == __file__ for w in caught)
        assert exceptions is autoplay_sdk.core.exceptions
        assert metrics is autoplay_sdk.core.metrics
        assert exceptions.SdkError is autoplay_sdk.SdkError
        assert metrics.SdkMetricsHook is autoplay_sdk.SdkMetricsHook


def test_monkeypatch_through_old_path_patches_canonical(monkeypatch: pytest.MonkeyPatch) -> None:
    sentinel = object()
    with _fresh("autoplay_sdk.models"):
        with _recorded():
            import autoplay_sdk.models as old_models
        monkeypatch.setattr(old_models, "logger", sentinel)
        assert autoplay_sdk.core.models.logger is sentinel
        monkeypatch.undo()
        assert autoplay_sdk.core.models.logger is not sentinel


def test_star_import_from_leaf_alias() -> None:
    with _fresh("autoplay_sdk.models"):
        with _recorded():
            __import__("autoplay_sdk.models")
        namespace: dict[str, object] = {}
        exec("from autoplay_sdk.models import *", namespace)
    namespace.pop("__builtins__")
    assert sorted(namespace) == sorted(autoplay_sdk.core.models.__all__)
    assert all(namespace[name] is getattr(autoplay_sdk.core.models, name) for name in namespace)


def test_deleting_the_sys_modules_entry_warns_again() -> None:
    with _fresh("autoplay_sdk.models"):
        with _recorded() as caught:
            __import__("autoplay_sdk.models")
            del sys.modules["autoplay_sdk.models"]
            __import__("autoplay_sdk.models")
            __import__("autoplay_sdk.models")
        assert len(caught) == 2
        assert all(str(w.message) == _message("autoplay_sdk.models", "autoplay_sdk.core.models") for w in caught)


def test_import_module_attributes_the_warning_to_importlib() -> None:
    with _fresh("autoplay_sdk.metrics"), _recorded() as caught:
        importlib.import_module("autoplay_sdk.metrics")
    assert len(caught) == 1
    assert Path(caught[0].filename).parent.name == "importlib"


def test_warning_as_error_fails_the_import_and_leaves_nothing_behind() -> None:
    with _fresh("autoplay_sdk.models"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            with pytest.raises(DeprecationWarning, match=re.escape("`autoplay_sdk.models` has moved to")):
                __import__("autoplay_sdk.models")
        assert "autoplay_sdk.models" not in sys.modules
        assert "models" not in vars(autoplay_sdk)


def test_canonical_paths_do_not_warn_in_a_fresh_interpreter() -> None:
    code = (
        "import autoplay_sdk, autoplay_sdk._aliases as a\n"
        "a.install()\n"
        "import autoplay_sdk.core, autoplay_sdk.core.models, autoplay_sdk.compat, autoplay_sdk.compat.shims\n"
        "from autoplay_sdk.core import ActionsPayload\n"
    )
    result = _run("-W", "error", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


# --- missing canonical modules -----------------------------------------------------------------


def test_missing_canonical_module_raises_module_not_found() -> None:
    rows = [("autoplay_sdk.gone_old", "autoplay_sdk.no_such_module"), ("autoplay_sdk.gone_old2", "autoplay_sdk.nope.x")]
    with _aliases._temporary_rows(rows), _recorded() as caught:
        for old, _ in rows:
            with pytest.raises(ModuleNotFoundError) as info:
                __import__(old)
            assert info.value.name == old
            assert old not in sys.modules
    assert caught == []


def test_table_rows_without_canonical_module_raise_module_not_found() -> None:
    missing = [
        old for old, new in ALL_ROWS if _old_chain(old, CANONICAL) == [old] and not _aliases._canonical_exists(new)
    ]
    if not missing:
        pytest.skip("every outermost row's canonical module exists")
    for old in missing:
        with _fresh(old), pytest.raises(ModuleNotFoundError):
            __import__(old)


def test_unknown_path_is_an_ordinary_module_not_found() -> None:
    with pytest.raises(ModuleNotFoundError, match=re.escape("autoplay_sdk.definitely_not_a_module")):
        __import__("autoplay_sdk.definitely_not_a_module")


# --- package aliases, exercised through synthetic rows -----------------------------------------


@pytest.mark.usefixtures("synthetic")
def test_package_alias_is_a_distinct_forwarding_package() -> None:
    with _recorded() as caught:
        import autoplay_sdk.core_old as old_pkg  # type: ignore[import-not-found, unused-ignore]
    assert [str(w.message) for w in caught] == [_message("autoplay_sdk.core_old", "autoplay_sdk.core")]
    assert caught[0].filename == __file__
    assert isinstance(old_pkg, ModuleType)
    assert old_pkg is not autoplay_sdk.core
    assert old_pkg.__name__ == "autoplay_sdk.core_old"
    assert old_pkg.__path__ == []
    assert sys.modules["autoplay_sdk.core_old"] is old_pkg
    assert old_pkg.ActionsPayload is autoplay_sdk.core.models.ActionsPayload
    assert old_pkg.__all__ == autoplay_sdk.core.__all__
    assert dir(old_pkg) == dir(autoplay_sdk.core)
    with _recorded() as caught:
        old_pkg.SdkError  # noqa: B018 - attribute access never warns
    assert caught == []


@pytest.mark.usefixtures("synthetic")
def test_package_alias_missing_attribute() -> None:
    with _recorded():
        import autoplay_sdk.core_old as old_pkg
    with pytest.raises(AttributeError) as info:
        old_pkg.NoSuchName  # noqa: B018
    assert str(info.value) == "module 'autoplay_sdk.core_old' has no attribute 'NoSuchName'"
    assert isinstance(info.value.__cause__, AttributeError)
    assert "autoplay_sdk.core" in str(info.value.__cause__)
    assert not hasattr(old_pkg, "NoSuchName")


@pytest.mark.usefixtures("synthetic")
def test_star_import_from_package_alias_yields_target_all() -> None:
    namespace: dict[str, object] = {}
    with _recorded() as caught:
        exec("from autoplay_sdk.core_old import *", namespace)
    assert len(caught) == 1
    namespace.pop("__builtins__")
    namespace.pop("__warningregistry__")  # the warning was attributed to the exec'd code
    assert sorted(namespace) == sorted(autoplay_sdk.core.__all__)
    assert all(namespace[name] is getattr(autoplay_sdk.core, name) for name in namespace)


@pytest.mark.usefixtures("synthetic")
def test_nested_old_paths_warn_package_subpackage_leaf() -> None:
    with _recorded() as caught:
        import autoplay_sdk.core_old.inner.models as leaf  # type: ignore[import-not-found, unused-ignore]
    _assert_warnings(
        caught,
        ["autoplay_sdk.core_old", "autoplay_sdk.core_old.inner", "autoplay_sdk.core_old.inner.models"],
        dict(SYNTHETIC_ROWS),
    )
    assert leaf is autoplay_sdk.core.models
    inner = sys.modules["autoplay_sdk.core_old.inner"]
    assert inner is not autoplay_sdk.core and inner.__name__ == "autoplay_sdk.core_old.inner"
    assert sys.modules["autoplay_sdk.core_old"].inner is inner
    assert inner.models is autoplay_sdk.core.models
    with _recorded() as caught:
        __import__("autoplay_sdk.core_old.inner.models")
        __import__("autoplay_sdk.core_old.exceptions")
    assert [str(w.message) for w in caught] == [
        _message("autoplay_sdk.core_old.exceptions", "autoplay_sdk.core.exceptions")
    ]
    assert sys.modules["autoplay_sdk.core_old.exceptions"] is autoplay_sdk.core.exceptions


@pytest.mark.usefixtures("synthetic")
def test_package_alias_as_error_fails_the_import() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(
            DeprecationWarning, match=re.escape("`autoplay_sdk.core_old` has moved to `autoplay_sdk.core`")
        ):
            __import__("autoplay_sdk.core_old.inner")
    assert "autoplay_sdk.core_old" not in sys.modules
    assert "autoplay_sdk.core_old.inner" not in sys.modules


@pytest.mark.usefixtures("synthetic")
def test_dotted_import_rebinds_the_parent_attribute() -> None:
    # Spec 04 §4.4 (`agent_state_v2`), generically: the root attribute starts as the canonical package
    # (no warning); importing the dotted old path rebinds it to the alias package.
    setattr(autoplay_sdk, "core_old", autoplay_sdk.core)
    with _recorded() as caught:
        from autoplay_sdk import core_old  # type: ignore[attr-defined, unused-ignore]
    assert caught == [] and core_old is autoplay_sdk.core
    with _recorded() as caught:
        __import__("autoplay_sdk.core_old")
    assert len(caught) == 1
    rebound = vars(autoplay_sdk)["core_old"]
    assert rebound is sys.modules["autoplay_sdk.core_old"] and rebound is not autoplay_sdk.core
    assert rebound.SdkError is autoplay_sdk.core.SdkError


def test_agent_state_v2_attribute_quirk() -> None:
    if not _aliases._canonical_exists("autoplay_sdk.agent_state.v2.states"):
        pytest.skip("canonical module autoplay_sdk.agent_state.v2 does not exist yet")
    canonical = importlib.import_module("autoplay_sdk.agent_state.v2")
    if vars(autoplay_sdk).get("agent_state_v2") is not canonical:
        pytest.skip("autoplay_sdk does not bind agent_state_v2 yet")
    with _fresh("autoplay_sdk.agent_state_v2"):
        setattr(autoplay_sdk, "agent_state_v2", canonical)
        with _recorded() as caught:
            __import__("autoplay_sdk.agent_state_v2")
        shim = sys.modules["autoplay_sdk.agent_state_v2"]
        assert len(caught) == 1
        assert vars(autoplay_sdk)["agent_state_v2"] is shim and shim is not canonical
        assert shim.SessionState is canonical.SessionState


# --- fresh interpreters ------------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONWARNINGS"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=60, check=False)


_ROOT_IMPORT_CHECK = """
import sys
import autoplay_sdk
old = {olds!r}
loaded = sorted(name for name in sys.modules if name in old or name.split(".")[:2] in (
    ["autoplay_sdk", "compat"], ["autoplay_sdk", "api"], ["autoplay_sdk", "admin"], ["autoplay_sdk", "proactive"]))
assert not loaded, loaded
assert "fastapi" not in sys.modules
print("finder installed:", any(type(f).__name__ == "_AliasFinder" for f in sys.meta_path))
"""


def test_import_autoplay_sdk_is_silent_and_lean() -> None:
    code = _ROOT_IMPORT_CHECK.format(olds=[old for old, _ in ALL_ROWS])
    result = _run("-W", "error", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_import_autoplay_sdk_installs_the_finder() -> None:
    result = _run("-W", "error", "-c", _ROOT_IMPORT_CHECK.format(olds=[]))
    assert result.returncode == 0, result.stderr
    assert "finder installed: True" in result.stdout


def test_error_filter_makes_the_old_import_fail_in_a_fresh_interpreter() -> None:
    code = (
        "import autoplay_sdk, autoplay_sdk._aliases as a\n"
        "a.install()\n"
        "print('root imported', flush=True)\n"
        "import autoplay_sdk.models\n"
    )
    result = _run("-W", "error::DeprecationWarning", "-c", code)
    assert "root imported" in result.stdout, result.stderr
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "DeprecationWarning: " + _message(
        "autoplay_sdk.models", "autoplay_sdk.core.models"
    )
    assert 'File "<string>", line 4' in result.stderr


def test_warning_names_the_script_line_in_a_fresh_interpreter(tmp_path: Path) -> None:
    script = tmp_path / "user_script.py"
    script.write_text("import autoplay_sdk, autoplay_sdk._aliases as a\na.install()\nimport autoplay_sdk.models\n")
    result = _run("-W", "always::DeprecationWarning", "-W", "error::ImportWarning", str(script))
    assert result.returncode == 0, result.stderr
    assert f"{script}:3: DeprecationWarning: `autoplay_sdk.models` has moved to" in result.stderr


def test_old_path_spec_is_served_by_the_finder() -> None:
    with _fresh("autoplay_sdk.models"):
        spec = importlib.util.find_spec("autoplay_sdk.models")
        assert spec is not None and spec.name == "autoplay_sdk.models"
        assert spec.submodule_search_locations is None
        assert "autoplay_sdk.models" not in sys.modules


def test_docs_table_matches_the_alias_table() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "deprecated-paths.md"
    rows = re.findall(
        r"^\|(?: \d+ \|)? `(autoplay_sdk\.[\w.]+)` \| `(autoplay_sdk\.[\w.]+)` \| (\w+) \|$", doc.read_text(), re.M
    )
    assert [(old, new) for old, new, _ in rows] == ALL_ROWS
    assert {old for old, _, kind in rows if kind == "package"} == PACKAGE_ROWS
    assert {kind for _, _, kind in rows} == {"package", "module"}
