"""The follow-up's answer page: one question, opened by the signed link in the email."""
