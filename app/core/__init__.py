"""What every part of the application shares: base mixins, roles and permissions, audit trail,
number allocation, mail, errors and display helpers."""
