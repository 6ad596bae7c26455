"""Practice licences (izin praktik pekerja sosial, SIPPS): application, decision, officers' actions,
the signed PDF."""
