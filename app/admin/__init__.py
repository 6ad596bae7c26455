"""Ministry administration: staff accounts and the audit trail (read-only)."""
