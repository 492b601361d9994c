"""Provisioning: the only package that talks to a cluster. Renders and applies the objects that
run a workflow's workers (Kubernetes through kr8s) or supervises local workers, and ships the
manifests that deploy Flowplane itself (`deploy/manifests/`). May import no other Flowplane
package: `domain` calls it with plain requests.

- `model`: DeploymentRequest / DeploymentHandle / DeploymentStatus and the Provisioner protocol
- `errors`: DeployError(reason, message), PermanentDeployError, TemporaryDeployError(delay)
- `manifests`: pure rendering and naming (namespace_for, deployment_name_for, labels_for, render)
- `kubernetes`: KubernetesProvisioner, kubernetes_provisioner_from_config, connect (a kr8s Api
  with connection failures as DeployErrors)
- `local`: LocalProvisioner and LocalWorkerSupervisor (no cluster, `make dev`): one supervised
  worker process serves the queues of every locally deployed workflow
- `autoscale`: the KEDA ScaledObject of `autoscale: {min, max}` (Prometheus trigger on the
  workflow's queue depth); the Kubernetes provisioner applies it where KEDA is installed
- `builds`: Dockerfile environments built in the cluster (ConfigMap + kaniko Job in the
  `fp-builds` namespace): KubernetesImageBuilder, kubernetes_builder_from_config
- `_client` (KubeClient: the verbs by kind, failures mapped) and `_status` (Deployment phase
  from its objects) are private helpers
"""
