"""Certificates of competence and practice licences (SIPPS): issuing them (signed PDFs), their
lifecycle with the cascade from a certificate to its licences, renewal, and what public and offline
verification need (signing.py: PAdES; statements.py: the QR code's signed statement and the JWKS).
The design is in models.py and states.py."""
