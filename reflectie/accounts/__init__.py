"""Users, login and sessions, organisations, teams, memberships and API tokens."""
