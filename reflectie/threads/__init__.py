"""Communities of practice (leergemeenschappen): threads across teams, mentions, moderation."""
