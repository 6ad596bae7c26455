"""Administrative screening of candidacies (APL.01/APL.02, portfolio), assignment of assessors, and
the board's dispute of a first assessment."""
