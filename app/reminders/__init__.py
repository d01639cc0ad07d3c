"""Reminders for loans: before the due date and when late, by letter and e-mail, and the call list."""
