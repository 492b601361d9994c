"""The caller, their API tokens and the organization's memberships."""
