"""The enums of user adoption state: journey, mastery level and workflow status.

Each is a ``(str, Enum)``, so a member compares equal to its value and serialises as it.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["JourneyState", "MasteryLevel", "WorkflowStatus"]


class JourneyState(str, Enum):
    """Where the user stands overall: still onboarding, or onboarded."""

    ONBOARDING = "onboarding"
    ONBOARDED = "onboarded"


class MasteryLevel(str, Enum):
    """How fluent the user is, independent of the journey."""

    NOVICE = "novice"
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    PROFICIENT = "proficient"
    POWER_USER = "power_user"


class WorkflowStatus(str, Enum):
    """Progress on one onboarding workflow (or one of its steps)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
