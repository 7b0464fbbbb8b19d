"""The admin area for beheerders: organisations, teams, accounts, memberships, audit log."""
