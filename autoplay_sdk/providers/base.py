"""The provider-neutral description of an activity source (PostHog, Amplitude, ...)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

__all__ = ["ActivityProvider", "ProviderRegistrationBody"]


@dataclass
class ProviderRegistrationBody:
    """Where a provider posts events, and how it authenticates: the header and the secret's config key."""

    provider_name: str
    webhook_url: str
    webhook_secret: str = field(repr=False)
    auth_header_name: str
    sensitive_config_keys: frozenset[str] = field(default_factory=frozenset)


class ActivityProvider(ABC):
    """An analytics tool that sends a product's user activity to the connector.

    A subclass must define every abstract member (else instantiating it raises ``TypeError``).
    """

    @property
    @abstractmethod
    def name(self) -> str:
        """The lowercase slug, e.g. ``"posthog"``."""

    @abstractmethod
    def build_registration_body(self, webhook_url: str, webhook_secret: str) -> ProviderRegistrationBody:
        """The provider's header name and sensitive config keys for ``webhook_url``."""

    @abstractmethod
    def get_session_id_js(self) -> str:
        """A self-contained JavaScript expression (no trailing ``;``) giving the session id string, or ``null``."""

    @abstractmethod
    def format_operator_summary(
        self,
        *,
        connector_url: str,
        product_id: str,
        webhook_secret: str,
        integration_type: str,
        unkey_key: str | None,
        key_id: str | None,
    ) -> None:
        """Print the operator's copy-paste block for a product registered on the Render connector."""
