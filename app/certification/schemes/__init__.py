"""Schemes (skema): versions and competency units, kept by a body's board admin."""
