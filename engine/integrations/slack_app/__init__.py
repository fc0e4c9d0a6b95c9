"""The two-way Slack app: install (OAuth v2), slash commands, interactivity, the Home tab.

Built on slack-sdk's parts rather than slack-bolt (docs/integrations.md#why-these-libraries): the
requests are verified with `SignatureVerifier`, Slack is called with `WebClient` pointed at
`SLACK_API_URL`, the authorize URL comes from `AuthorizeUrlGenerator` and the messages and views
are built with `slack_sdk.models`; people, kudos and tokens stay the engine's own.
"""
