"""Reference data: Kemendagri regions and the catalogues of domain brief §3, §4 and §6."""
