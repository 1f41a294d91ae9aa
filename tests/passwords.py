"""The passwords the test people sign in with."""

OWNER_PASSWORD = "olivia's long secret"
FIRST_PASSWORD = "first day at the desk"
