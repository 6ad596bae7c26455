"""Accounts: sign-up, e-mail verification, login, password reset; staff accounts and roles."""
