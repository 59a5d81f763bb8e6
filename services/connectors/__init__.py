"""Connectors: what Flowdesk's own workers do for service tasks, outside any transaction."""
