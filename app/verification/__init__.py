"""Public verification of the documents this system issues: by public token (the QR code) or by number."""
