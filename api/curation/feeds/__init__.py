"""Live figures (free beds, free spaces) pushed by machines with their own keys, or set by operators."""
