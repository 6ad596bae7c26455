"""Certification (uji kompetensi): what a certification body runs and what a candidate goes through.

models.py / states.py / permissions.py / conflicts.py are shared by the sub-parts:
- schemes/     schemes (skema), their versions and competency units (board admin)
- sessions/    exam sessions (jadwal uji kompetensi), their lifecycle and assessors; the public list
- assessors/   the assessor registry of a body; declarations and declared conflicts
- candidacy/   applications (APL.01), self-assessment (APL.02), portfolio, nominations, the
               eligibility gate and administrative screening; the candidate's timeline
- assessment/  assigning assessors to candidates (conflict checks), scoring per unit and method,
               second and third assessors, disagreements
- plenary/     the plenary decision, the decree (SK) and its PDF, results, statistics and exports
- appeals/     appeals (banding), their panels and findings; `can_issue_certificate`
"""
