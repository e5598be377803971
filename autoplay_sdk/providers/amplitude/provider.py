"""``AmplitudeProvider``: Amplitude as the activity source (HTTP Event Streaming with a Bearer token)."""

from __future__ import annotations

from autoplay_sdk.providers._summaries import amplitude_summary_lines, print_lines
from autoplay_sdk.providers.base import ActivityProvider, ProviderRegistrationBody

__all__ = ["AmplitudeProvider"]


class AmplitudeProvider(ActivityProvider):
    """Amplitude: streams events to the connector's ingest URL with ``Authorization: Bearer <token>``."""

    AUTH_HEADER_NAME = "Authorization"
    SENSITIVE_CONFIG_KEY = "amplitude_bearer_token"

    @property
    def name(self) -> str:
        return "amplitude"

    def __repr__(self) -> str:
        return "AmplitudeProvider()"

    def build_registration_body(self, webhook_url: str, webhook_secret: str) -> ProviderRegistrationBody:
        return ProviderRegistrationBody(
            "amplitude", webhook_url, webhook_secret, self.AUTH_HEADER_NAME, frozenset({self.SENSITIVE_CONFIG_KEY})
        )

    def get_session_id_js(self) -> str:
        # Amplitude's session id is a number: stringify it.
        return (
            "typeof amplitude !== 'undefined' && amplitude.getSessionId() != null "
            "? String(amplitude.getSessionId()) : null"
        )

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
        """Print the Amplitude block: the ingest URL and bearer token, the stream key, and next steps."""
        print_lines(
            amplitude_summary_lines(
                connector_url=connector_url,
                product_id=product_id,
                integration_type=integration_type,
                unkey_key=unkey_key,
                key_id=key_id,
            )
        )
