"""`setSecret` and `deleteSecret` (organization admins). A value is write-only: the results
carry the name, who set it and when."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain import secret_store
from domain.rows import SecretRow
from graphql_api.context import Info
from graphql_api.mutation_result import run
from graphql_api.types.errors import Forbidden, InvalidInput
from graphql_api.types.ids import global_id
from graphql_api.types.secret import Secret, SecretDeleted, SecretNotFound

SetSecretResult = Annotated[Secret | Forbidden | InvalidInput, strawberry.union("SetSecretResult")]
DeleteSecretResult = Annotated[SecretDeleted | SecretNotFound | Forbidden,
                               strawberry.union("DeleteSecretResult")]


def _deleted(row: SecretRow) -> SecretDeleted:
    return SecretDeleted(deleted_id=global_id("Secret", row.id), name=row.name)


@strawberry.type
class SecretMutations:
    @strawberry.mutation
    async def set_secret(self, info: Info, name: str, value: str) -> SetSecretResult:
        """Store or replace the value of the organization's secret `name` (encrypted at
        rest); workflows deployed with the old value are redeployed."""
        actor = info.context.actor
        result: SetSecretResult = await run(
            SetSecretResult,
            lambda: secret_store.set_secret(actor.organization_id, name, value, actor=actor),
            Secret.from_row)
        return result

    @strawberry.mutation
    async def delete_secret(self, info: Info, name: str) -> DeleteSecretResult:
        actor = info.context.actor
        result: DeleteSecretResult = await run(
            DeleteSecretResult,
            lambda: secret_store.delete_secret(actor.organization_id, name, actor=actor),
            _deleted, not_found=SecretNotFound(message=f"secret {name!r} does not exist",
                                               name=name))
        return result
