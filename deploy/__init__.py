"""Provisioning: the only package that talks to a cluster. Renders and applies the objects that
run a workflow's workers (Kubernetes through kr8s) or supervises local workers, and ships the
manifests that deploy Flowplane itself (`deploy/manifests/`). May import no other Flowplane
package: `domain` calls it with plain requests."""
