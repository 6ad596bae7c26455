"""Documents with any owner: uploaded files kept for a registration or a person (later an enrolment,
a candidacy or a licence), with a purpose, a sensitivity and an optional deletion date."""
