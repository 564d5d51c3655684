"""Every write: validated, one transaction each, checked against the rights, logged."""
