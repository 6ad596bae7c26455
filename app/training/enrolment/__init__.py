"""Enrolment in a session: applications, nominations, decisions, the wait list, attendance, completion."""
