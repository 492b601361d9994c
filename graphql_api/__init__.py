"""The HTTP surface: Strawberry GraphQL (queries, mutations, subscriptions) on Starlette, plus
webhooks and health. Resolvers stay thin: authorise, load through dataloaders, call one `domain`
function, map. May import `domain` and `db`; never `engine`, `sync` or `deploy`."""
