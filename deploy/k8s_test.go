// Package deploy holds the test of the Kubernetes manifests (k8s/) and the
// NATS Helm values (nats-helm/): a cluster cannot run here, so each
// manifest is read strictly into the Kubernetes API types instead.
package deploy
