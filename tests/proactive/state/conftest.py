from tests.agent_state.support import clock

__all__ = ["clock"]
