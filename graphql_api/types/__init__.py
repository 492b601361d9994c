"""GraphQL object, input, enum and error types, each mapped from a row with `from_row`."""
