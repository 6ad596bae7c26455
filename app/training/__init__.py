"""Training (diklat): what a training provider runs and what a person gets from it.

models.py / states.py / permissions.py are shared by the sub-parts:
- catalogue/  providers (ministry admin), programmes and sessions (training officer), the public catalogue
- enrolment/  applications and nominations, decisions and the wait list, attendance, completion
- sttp/       the training certificates (STTP): numbering, PDF, the background issuing job, downloads
- ledger/     each person's JP ledger, external training reports, the agency officer's export
"""
