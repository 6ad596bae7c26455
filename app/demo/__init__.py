"""Demo data for development and checks: `flask demo chain` (app/demo/chain.py)."""
