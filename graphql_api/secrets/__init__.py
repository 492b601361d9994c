"""The organization's secret store: `secrets` lists names (every member), `setSecret` and
`deleteSecret` change values (organization admins). Values go in, never out."""
