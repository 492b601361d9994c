"""The git sync daemon: reads `workflows.d/` at a commit, computes a pure plan against the live
rows it owns, applies it through `domain` and records each run. May import `domain` and `db`;
never `graphql_api` or `engine`."""
