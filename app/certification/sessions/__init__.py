"""Exam sessions (jadwal uji kompetensi): planning, lifecycle, assessors; the public list of open sessions."""
