"""Institutions (agencies, LKS, universities, training providers…) and who works where, and when."""
