"""Typed, immutable documents of the declarative format (apiVersion flowplane/v1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    PlainSerializer,
    PlainValidator,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from domain.spec._types import (
    MODEL_CONFIG,
    ByteQuantity,
    Cron,
    DnsLabel,
    EnvName,
    LabelValue,
    NodeId,
    NonEmpty,
    PythonPackage,
    PythonVersion,
    SecretKey,
    Timezone,
    dns_label,
)

API_VERSION = "flowplane/v1"
ApiVersion = Literal["flowplane/v1"]
WorkflowState = Literal["draft", "active", "paused", "archived"]
EdgeKind = Literal["success", "true", "false", "error"]


class SpecModel(BaseModel):
    model_config = MODEL_CONFIG


class SecretKeyRef(SpecModel):
    name: DnsLabel
    key: SecretKey


def _store_or_mounted(value: Any) -> str | SecretKeyRef:  # Any: raw YAML / JSON
    """`secret: NAME` (the store) or the deprecated `secret: {name, key}`, with the one
    form's error only (a plain union would report both forms' errors)."""
    if isinstance(value, SecretKeyRef):
        return value
    if isinstance(value, Mapping):
        try:
            return SecretKeyRef.model_validate(dict(value))
        except ValidationError as exc:
            raise ValueError("; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: "
                f"{e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors(include_url=False))) from None
    if not isinstance(value, str):
        raise ValueError(f"secret must be a secret name or {{name, key}}, got {value!r}")
    return dns_label(value)


def _dump_store_or_mounted(value: str | SecretKeyRef) -> str | dict[str, str]:
    return value if isinstance(value, str) else {"name": value.name, "key": value.key}


StoreOrMounted = Annotated[
    str | SecretKeyRef,
    PlainValidator(_store_or_mounted, json_schema_input_type=DnsLabel | SecretKeyRef),
    PlainSerializer(_dump_store_or_mounted),
]


class SecretRef(SpecModel):
    """Where a credential lives, never the credential: exactly one of `secret: NAME` (the
    organization's secret store), `k8sSecret: {name, key}` (a Secret in the organization's
    namespace), `env` or `file` (only where the operator allows them, see
    domain.reference_rules). `secret: {name, key}` (a mounted file) is deprecated."""

    secret: StoreOrMounted | None = None
    k8s_secret: SecretKeyRef | None = None
    env: EnvName | None = None
    file: NonEmpty | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        chosen = (self.secret, self.k8s_secret, self.env, self.file)
        if sum(v is not None for v in chosen) != 1:
            raise ValueError("exactly one of secret, k8sSecret, env or file is required")
        return self


class RetryPolicy(SpecModel):
    max_attempts: int = Field(default=3, ge=1, le=20)
    backoff_seconds: float = Field(default=1.0, ge=0, le=3600)


class Node(SpecModel):
    id: NodeId
    type: NonEmpty
    params: dict[str, Any] = {}  # Any: checked against the node type's params model.
    data_source: DnsLabel | None = None
    model: DnsLabel | None = None
    add_on: DnsLabel | None = None
    retry: RetryPolicy | None = None


class Connection(SpecModel):
    from_: NodeId = Field(alias="from")
    to: NodeId
    on: EdgeKind = "success"


class Trigger(SpecModel):
    type: Literal["manual", "webhook", "schedule"] = "manual"
    cron: Cron | None = None
    timezone: Timezone = "UTC"
    secret_ref: SecretRef | None = None

    @model_validator(mode="after")
    def _fits_type(self) -> Trigger:
        if self.type == "schedule" and self.cron is None:
            raise ValueError("a schedule trigger requires cron")
        if self.type != "schedule" and self.cron is not None:
            raise ValueError(f"cron is only allowed on schedule triggers, not {self.type}")
        if self.type != "webhook" and self.secret_ref is not None:
            raise ValueError("secretRef is only allowed on webhook triggers")
        return self


class WorkflowSettings(SpecModel):
    max_attempts: int = Field(default=3, ge=1, le=20)
    timeout_seconds: int | None = Field(default=None, ge=1, le=7 * 86400)
    node_timeout_seconds: int | None = Field(default=None, ge=1, le=7 * 86400)
    concurrency: int | None = Field(default=None, ge=1, le=1000)


class AutoscaleSettings(SpecModel):
    """Worker replicas follow the queue depth between `min` (0: none while idle, the first
    execution waits for one) and `max`; the operator caps `max`
    (FLOWPLANE_AUTOSCALE_MAX_REPLICAS, checked at deploy)."""

    minimum: int = Field(alias="min", ge=0, le=1000)
    maximum: int = Field(alias="max", ge=1, le=1000)

    @model_validator(mode="after")
    def _ordered(self) -> AutoscaleSettings:
        if self.minimum > self.maximum:
            raise ValueError(f"min ({self.minimum}) must not be greater than max ({self.maximum})")
        return self


class DeploymentSettings(SpecModel):
    environment: DnsLabel = "custom"
    cpu: float = Field(default=0.5, gt=0, le=256)
    memory: ByteQuantity = "1Gi"
    disk: ByteQuantity = "5Gi"
    gpu: int = Field(default=0, ge=0, le=16)
    gpu_type: LabelValue | None = None  # a node label value (FLOWPLANE_GPU_NODE_LABEL)
    # None (the default): one pre-provisioned worker, as the seed has it.
    autoscale: AutoscaleSettings | None = None

    @model_serializer(mode="wrap")
    def _without_autoscale_off(self, handler: SerializerFunctionWrapHandler) -> Any:  # Any: JSON
        """Leave `autoscale` out while it is off, so definitions saved before it existed keep
        their content hash (a changed hash would read as a changed definition)."""
        data = handler(self)
        if self.autoscale is None and isinstance(data, dict):
            data.pop("autoscale", None)
        return data

    @model_validator(mode="after")
    def _gpu_type_iff_gpu(self) -> DeploymentSettings:
        if self.gpu > 0 and self.gpu_type is None:
            raise ValueError("gpuType is required when gpu > 0")
        if self.gpu == 0 and self.gpu_type is not None:
            raise ValueError("gpuType is only allowed when gpu > 0")
        return self


class Metadata(SpecModel):
    name: DnsLabel
    organization: DnsLabel
    owner: NonEmpty | None = None
    description: str = ""
    tags: list[NonEmpty] = []
    shared_with: list[NonEmpty] = []
    public: bool = False


class WorkflowSpec(SpecModel):
    state: WorkflowState = "draft"
    trigger: Trigger = Trigger()
    settings: WorkflowSettings = WorkflowSettings()
    deployment: DeploymentSettings = DeploymentSettings()
    nodes: list[Node] = Field(default=[], max_length=500)
    connections: list[Connection] = Field(default=[], max_length=2000)


class PythonEnvironment(SpecModel):
    """Packages installed on top of the base interpreter (docs/environments.md)."""

    version: PythonVersion | None = None  # must be the platform's Python, when given
    packages: list[PythonPackage] = Field(default=[], max_length=100)


class EnvironmentSpec(SpecModel):
    image: NonEmpty | None = None
    dockerfile: NonEmpty | None = None
    base_image: NonEmpty | None = None
    python: PythonEnvironment | None = None
    # Plugin node types (`flowplane.node_types` entry points) its image provides beyond the
    # built-ins; deploying a workflow that uses another is refused (docs/environments.md).
    node_types: list[NonEmpty] = Field(default=[], max_length=100)

    @model_validator(mode="after")
    def _one_source(self) -> EnvironmentSpec:
        sources = sum(v is not None for v in (self.image, self.dockerfile, self.base_image))
        if sources > 1 or (sources == 0 and self.python is None):
            raise ValueError("exactly one of image, dockerfile or baseImage is required "
                             "(or python alone: packages on the platform's base image)")
        if self.python is not None and (self.image or self.dockerfile):
            raise ValueError("python packages go on the platform's base image or a baseImage, "
                             "not on an image or a Dockerfile (install them in its Dockerfile)")
        return self


class DataSourceSpec(SpecModel):
    type: NonEmpty
    host: NonEmpty
    port: int | None = Field(default=None, ge=1, le=65535)
    database: NonEmpty | None = None
    user: NonEmpty | None = None
    password_ref: SecretRef | None = None
    options: dict[str, str] = {}


class AddOnSpec(SpecModel):
    type: NonEmpty
    endpoint: NonEmpty | None = None
    credentials_ref: SecretRef | None = None
    config: dict[str, Any] = {}  # Any: free-form add-on configuration.


class ModelSpec(SpecModel):
    provider: NonEmpty
    model: NonEmpty
    base_url: NonEmpty | None = None
    api_key_ref: SecretRef | None = None


class WorkflowDocument(SpecModel):
    api_version: ApiVersion
    kind: Literal["Workflow"]
    metadata: Metadata
    spec: WorkflowSpec


class EnvironmentDocument(SpecModel):
    api_version: ApiVersion
    kind: Literal["Environment"]
    metadata: Metadata
    spec: EnvironmentSpec


class DataSourceDocument(SpecModel):
    api_version: ApiVersion
    kind: Literal["DataSource"]
    metadata: Metadata
    spec: DataSourceSpec


class AddOnDocument(SpecModel):
    api_version: ApiVersion
    kind: Literal["AddOn"]
    metadata: Metadata
    spec: AddOnSpec


class ModelDocument(SpecModel):
    api_version: ApiVersion
    kind: Literal["Model"]
    metadata: Metadata
    spec: ModelSpec


Document = (
    WorkflowDocument | EnvironmentDocument | DataSourceDocument | AddOnDocument | ModelDocument
)
DOCUMENT_MODELS: dict[str, type[Document]] = {
    "Workflow": WorkflowDocument,
    "Environment": EnvironmentDocument,
    "DataSource": DataSourceDocument,
    "AddOn": AddOnDocument,
    "Model": ModelDocument,
}
