"""Assessment: assigning assessors to candidates (conflict checks) and scoring per unit and method."""
