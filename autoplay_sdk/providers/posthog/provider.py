"""``PostHogProvider``: PostHog as the activity source (webhook destination with ``X-PostHog-Secret``)."""

from __future__ import annotations

import httpx

from autoplay_sdk.providers._summaries import posthog_summary_lines, print_lines
from autoplay_sdk.providers.base import ActivityProvider, ProviderRegistrationBody
from autoplay_sdk.providers.posthog.destination import (
    DestinationResult,
    DestinationStatus,
    check_destination_status,
    create_or_update_destination,
)

__all__ = ["PostHogProvider"]


class PostHogProvider(ActivityProvider):
    """PostHog: posts each event to the connector with the ``X-PostHog-Secret`` header."""

    AUTH_HEADER_NAME = "X-PostHog-Secret"
    SENSITIVE_CONFIG_KEY = "x_posthog_secret"

    @property
    def name(self) -> str:
        return "posthog"

    def __repr__(self) -> str:
        return "PostHogProvider()"

    def build_registration_body(self, webhook_url: str, webhook_secret: str) -> ProviderRegistrationBody:
        return ProviderRegistrationBody(
            "posthog", webhook_url, webhook_secret, self.AUTH_HEADER_NAME, frozenset({self.SENSITIVE_CONFIG_KEY})
        )

    def get_session_id_js(self) -> str:
        return "typeof posthog !== 'undefined' ? posthog.get_session_id() : null"

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
        """Print the PostHog block ``onboard_product`` prints (webhook URL, secret, stream key, next steps)."""
        print_lines(
            posthog_summary_lines(
                connector_url=connector_url,
                product_id=product_id,
                webhook_secret=webhook_secret,
                integration_type=integration_type,
                unkey_key=unkey_key,
                key_id=key_id,
            )
        )

    async def create_destination(
        self,
        *,
        host: str,
        project_id: str,
        personal_api_key: str,
        webhook_url: str,
        webhook_secret: str,
        client: httpx.AsyncClient | None = None,
    ) -> DestinationResult:
        """Create or update the "Autoplay Event Stream" destination (see ``create_or_update_destination``)."""
        return await create_or_update_destination(
            host=host,
            project_id=project_id,
            personal_api_key=personal_api_key,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            client=client,
        )

    async def verify(
        self,
        *,
        host: str,
        project_id: str,
        personal_api_key: str,
        destination_id: str,
        client: httpx.AsyncClient | None = None,
    ) -> DestinationStatus:
        """Whether the destination exists and is enabled (see ``check_destination_status``)."""
        return await check_destination_status(
            host=host,
            project_id=project_id,
            personal_api_key=personal_api_key,
            destination_id=destination_id,
            client=client,
        )
