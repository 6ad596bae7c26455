"""Training providers, programmes and sessions (angkatan), and the public catalogue of open sessions."""
