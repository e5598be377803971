"""Proactive copilot domain: when a copilot speaks first.

Subpackages: ``state`` (idle expiry over the session state machines), ``triggers`` (trigger
detection, the built-in catalog, LLM-judge helpers, chip and tour configuration) and
``resilience`` (rate-limit and circuit-breaker primitives), and the module ``copilot``, the
loop that runs them on the live stream.  The package itself exports nothing; import from the
subpackages.
"""

__all__: list[str] = []
