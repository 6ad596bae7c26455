"""STTP (Surat Tanda Tamat Pelatihan): completion of a session and the training certificates it issues."""
