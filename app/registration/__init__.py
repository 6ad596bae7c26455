"""Registration (pendataan) of SDM Kesos in one of the four categories, with documents and verification
by the agency whose jurisdiction covers the registration's service region."""
