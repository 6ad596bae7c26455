"""Landing page, dashboard, health check and language choice."""
