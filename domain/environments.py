"""Which image a deployment runs: its environment, resolved (the seed's "Environments").

- `custom` (the default): the platform's base image, `settings.base_image`;
- an environment whose Dockerfile build is ready (`build_status: ready`): the built image;
- one with a pre-built `image` or a `base_image`: that image, used directly;
- one with only a Dockerfile: built in the cluster (`deploy.builds`); until its build is
  ready, deploying fails with `EnvironmentNotReady` saying why (building, failed, no builder);
- one with `python` packages: a Dockerfile rendered from them (`FROM` its baseImage or the
  base image, `pip install`), built the same way.

Every image must contain Flowplane (built `FROM` the Flowplane base image): workers run
`flowplane worker`. `reconcile_builds` moves builds from `building` to `ready` / `failed`.
"""

from __future__ import annotations

import sys

from deploy.builds import (
    BuildHandle,
    BuildRequest,
    KubernetesImageBuilder,
    build_handle_for,
    python_dockerfile,
)
from deploy.errors import DeployError
from domain._sql import fetch, fetch_one
from domain.environment_builds import set_build_state
from domain.errors import DomainError
from domain.provisioners import image_builder
from domain.python_envs import BuildSuperseded, PythonBuildFailed, built_packages, ensure_built
from domain.rows import EnvironmentRow
from domain.settings import get_settings
from telemetry.metrics import ENVIRONMENT_BUILDS

CUSTOM = "custom"
_BUILD_ATTEMPTS = 3  # local builds of one deploy, each after a save that superseded the last


class EnvironmentNotReady(DomainError):
    """The environment named by the deployment settings cannot be run (yet); `building`:
    only because its build is under way (a deploy may wait for it)."""

    def __init__(self, name: str, message: str, *, building: bool = False) -> None:
        super().__init__(message)
        self.environment = name
        self.building = building


async def environment_image(
    organization_id: int, name: str, builder: KubernetesImageBuilder | None
) -> str:
    """The image of environment `name`, as it is now; may start its build (then
    EnvironmentNotReady). A local build that the environment's next save superseded is not
    used: the saved content is built instead."""
    if name == CUSTOM:
        return get_settings().base_image
    for _ in range(_BUILD_ATTEMPTS):
        record = await fetch_one(
            "SELECT e.*, o.slug FROM environment e JOIN organization o ON o.id = e.organization"
            " WHERE e.organization = $1 AND e.name = $2", organization_id, name)
        if record is None:
            raise EnvironmentNotReady(name, f"environment {name!r} does not exist")
        row = EnvironmentRow.from_record(record)
        if row.python is None and (row.image or row.base_image):
            return str(row.image or row.base_image)
        check_python_version(row)
        if get_settings().kubeconfig:
            return await _built_image(row, str(record["slug"]), builder)
        try:
            return await _local_packages(row)
        except BuildSuperseded:
            continue
    raise EnvironmentNotReady(name, (
        f"environment {name!r} was saved again during each of {_BUILD_ATTEMPTS} builds of "
        "its python packages: deploy again"))


async def _local_packages(row: EnvironmentRow) -> str:
    """Without a cluster: the packages are built into a local directory (once), and the
    workers run the base image; python nodes get the directory bound in."""
    python, name = row.python, row.name
    if python is None or row.image or row.dockerfile or row.base_image:
        raise EnvironmentNotReady(name, (
            f"environment {name!r} needs an image build: locally only python packages on "
            "the platform's base image can be used (no image, dockerfile or baseImage)"))
    try:
        await ensure_built(row, python)
    except PythonBuildFailed as error:
        raise EnvironmentNotReady(name, (
            f"the python packages of environment {name!r} could not be installed: "
            f"{error.message}")) from error
    return get_settings().base_image


async def local_build_pending(organization_id: int, name: str) -> bool:
    """Whether deploying with environment `name` installs its python packages here first
    (no cluster, and they are not installed yet)."""
    if get_settings().kubeconfig or name == CUSTOM:
        return False
    record = await fetch_one("SELECT * FROM environment WHERE organization = $1 AND name = $2",
                             organization_id, name)
    row = None if record is None else EnvironmentRow.from_record(record)
    if row is None or row.python is None or row.image or row.dockerfile or row.base_image:
        return False
    return built_packages(organization_id, row.python) is None


def platform_python() -> str:
    """The Python of the platform's interpreter and base image (`3.11`)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def check_python_version(row: EnvironmentRow) -> None:
    """EnvironmentNotReady when the row asks for a Python the platform does not run."""
    wanted = (row.python or {}).get("version")
    if wanted and wanted != platform_python():
        raise EnvironmentNotReady(row.name, (
            f"environment {row.name!r} asks for Python {wanted}, but this installation "
            f"runs Python {platform_python()}: drop python.version or set it to "
            f"{platform_python()!r}"))


def _dockerfile(row: EnvironmentRow) -> str | None:
    """The Dockerfile of a row: its own, or one rendered from its python packages."""
    if row.dockerfile:
        return row.dockerfile
    python = row.python
    if python is None:
        return None
    settings = get_settings()
    return python_dockerfile(row.base_image or settings.base_image,
                             list(python.get("packages") or []),
                             source_builds=settings.python_source_builds)


def build_request(row: EnvironmentRow, slug: str) -> BuildRequest | None:
    """The build of a Dockerfile environment row of the organization `slug`; None without a
    registry."""
    settings = get_settings()
    dockerfile = _dockerfile(row)
    if not settings.build_registry or dockerfile is None:
        return None
    return BuildRequest(
        organization_id=row.organization, organization_slug=slug,
        environment_id=row.id, environment_name=row.name,
        dockerfile=dockerfile, base_image=settings.base_image,
        registry=settings.build_registry, builder_image=settings.builder_image,
    )


async def _built_image(
    row: EnvironmentRow, slug: str, builder: KubernetesImageBuilder | None
) -> str:
    name = row.name
    request = build_request(row, slug)
    if request is None or builder is None:
        raise EnvironmentNotReady(name, (
            f"environment {name!r} has a Dockerfile or python packages but no image builder is "
            "configured: on Kubernetes they need FLOWPLANE_BUILD_REGISTRY"))
    wanted = build_handle_for(request).image
    if row.build_status == "ready" and row.built_image == wanted:
        return wanted
    if row.build_status == "building" and row.built_image == wanted:
        raise EnvironmentNotReady(name, f"environment {name!r} is still being built ({wanted})",
                                  building=True)
    if row.build_status == "failed" and row.built_image == wanted:
        raise EnvironmentNotReady(name, (
            f"the build of environment {name!r} failed: {row.build_error}; "
            "change its Dockerfile or packages to build it again"))
    await start_build(request, builder)
    raise EnvironmentNotReady(name, (
        f"environment {name!r} is not built yet: its build started ({wanted})"), building=True)


async def start_build(request: BuildRequest, builder: KubernetesImageBuilder) -> BuildHandle:
    """Apply the build and mark the environment `building` (a failed start: `failed`)."""
    handle = build_handle_for(request)
    try:
        await builder.start(request)
    except DeployError as error:
        await _set_build(request.environment_id, "failed", handle.image, error.message)
        ENVIRONMENT_BUILDS.labels("failed").inc()
        raise EnvironmentNotReady(request.environment_name, (
            f"the build of environment {request.environment_name!r} could not start: "
            f"{error.message}")) from error
    await _set_build(request.environment_id, "building", handle.image, None)
    ENVIRONMENT_BUILDS.labels("started").inc()
    return handle


async def reconcile_builds(builder: KubernetesImageBuilder | None = None) -> int:
    """Record finished builds (`building` -> `ready` / `failed`); returns how many changed.
    `builder` defaults to the configured one (none configured: nothing to do)."""
    builder = builder or image_builder()
    if builder is None:
        return 0
    records = await fetch(
        "SELECT e.*, o.slug FROM environment e JOIN organization o ON o.id = e.organization"
        " WHERE e.build_status = 'building'")
    changed = 0
    for record in records:
        row = EnvironmentRow.from_record(record)
        request = build_request(row, str(record["slug"]))
        if request is None:  # saved again as something that needs no build
            await set_build_state(row.id, "none", None)
            changed += 1
            continue
        handle = build_handle_for(request)
        if row.built_image != handle.image:
            changed += await _restart_superseded(request, builder)
            continue
        try:
            status = await builder.status(handle)
        except DeployError:  # the cluster did not answer: look again next time
            continue
        if status.state != "building":
            error = status.message if status.state == "failed" else None
            await _set_build(row.id, status.state, handle.image, error)
            ENVIRONMENT_BUILDS.labels(status.state).inc()
            changed += 1
    return changed


async def _restart_superseded(request: BuildRequest, builder: KubernetesImageBuilder) -> int:
    """The environment was saved again while it was being built: the build under way is of
    content it no longer has. Build what it holds now (starting it removes the superseded Job),
    so whatever waits for the environment waits for that; 1 if the start failed (`failed`)."""
    try:
        await start_build(request, builder)
    except EnvironmentNotReady:  # recorded as `failed`
        return 1
    return 0


async def _set_build(environment_id: int, status: str, image: str, error: str | None) -> None:
    await set_build_state(environment_id, status, error, image=image)
