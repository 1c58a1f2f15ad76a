// Package kubernetes holds datamon's Kubernetes manifests (the YAML files
// in this directory: cluster/ is the StatefulSet of nodes, csi/ the CSI
// driver, examples/ pods and Jobs using it; docs/kubernetes.md) and the
// strict decoder the tests check them with: every document decodes into
// its k8s.io/api type with unknown fields refused (sigs.k8s.io/yaml
// UnmarshalStrict).
package kubernetes
