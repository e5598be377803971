"""Session state machines for proactive copilots.

- :mod:`autoplay_sdk.agent_state.v2` - :class:`~autoplay_sdk.agent_state.v2.SessionState`, the
  three-state machine (THINKING, PROACTIVE, REACTIVE) to use in new code;
- :mod:`autoplay_sdk.agent_state.v1` - the deprecated five-state ``AgentStateMachine``, kept so
  that code written against it keeps running.

The package itself exports nothing; import from the subpackages.
"""

__all__: list[str] = []
