"""The pages employees and admins use: server-rendered Jinja2 over the service modules (not the HTTP API)."""
