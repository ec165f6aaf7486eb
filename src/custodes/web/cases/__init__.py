"""Cases: misconduct and corruption matters, visible on a need-to-know basis."""
