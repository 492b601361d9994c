"""Resource inputs: the `spec` of the matching YAML document plus a name."""

from __future__ import annotations

import strawberry

from graphql_api.types.scalars import JSON
from graphql_api.workflows.inputs import SecretRefInput


@strawberry.input
class PythonEnvironmentInput:
    """Packages (PEP 508 requirements from the package index) installed on the base image."""

    version: str | None = None
    packages: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class EnvironmentInput:
    """Exactly one of image, dockerfile or baseImage; or python alone (on the platform's base
    image); python also goes with baseImage."""

    name: str
    image: str | None = None
    dockerfile: str | None = None
    base_image: str | None = None
    python: PythonEnvironmentInput | None = None
    node_types: list[str] | None = strawberry.field(default=None, description=(
        "Plugin node types the environment's image provides beyond the built-ins (deploying "
        "a workflow that uses another one is refused)."))


@strawberry.input
class DataSourceInput:
    name: str
    type: str
    host: str
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password_ref: SecretRefInput | None = None
    options: JSON | None = None


@strawberry.input
class AddOnInput:
    name: str
    type: str
    endpoint: str | None = None
    credentials_ref: SecretRefInput | None = None
    config: JSON | None = None


@strawberry.input
class ModelInput:
    name: str
    provider: str
    model: str
    base_url: str | None = None
    api_key_ref: SecretRefInput | None = None
