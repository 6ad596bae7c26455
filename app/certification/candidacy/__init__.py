"""Candidacies (asesi): APL.01 application, APL.02 self-assessment, portfolio, nominations, the
eligibility gate and screening."""
