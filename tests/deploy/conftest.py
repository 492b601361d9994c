from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import kmock
import pytest

from deploy.kubernetes import KubernetesProvisioner, kubernetes_provisioner_from_config
from tests.deploy._cluster import FakeCluster, write_kubeconfig
from tests.deploy._control_plane import ControlPlane
from tests.deploy._validate import assert_valid


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[tuple[FakeCluster, Path]]:
    """A Kubernetes mock server on loopback and a kubeconfig pointing at it. Every object the
    code under test applied must pass strict schema validation (checked at teardown)."""
    async with kmock.KubernetesScaffold() as handler, kmock.Server(handler) as server:
        fake = FakeCluster()
        fake.install(handler)
        yield fake, write_kubeconfig(tmp_path, str(server.url).rstrip("/"))
        fake.close()
    for obj in fake.applied():
        assert_valid(obj)


@pytest.fixture
def fake(cluster: tuple[FakeCluster, Path]) -> FakeCluster:
    return cluster[0]


@pytest.fixture
def provisioner(cluster: tuple[FakeCluster, Path]) -> KubernetesProvisioner:
    return kubernetes_provisioner_from_config(str(cluster[1]), poll_interval=0.01)


@pytest.fixture
def plane(fake: FakeCluster) -> ControlPlane:
    """The mock cluster's controllers, scheduler and kubelets (no nodes until a test adds)."""
    return ControlPlane(fake)
