"""Issuing certificates of competence: a decided exam session's certificates in one background job,
corrections, the signed PDF and the board admin's download (issuing.py, routes.py)."""
