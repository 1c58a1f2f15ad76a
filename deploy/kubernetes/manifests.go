package kubernetes

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// ErrManifest reports a manifest that does not decode.
var ErrManifest = errors.New("kubernetes: bad manifest")

// Object is one decoded document.
type Object struct {
	File string // where it came from
	Kind string
	Name string
	// Obj is the typed object (*appsv1.StatefulSet, *corev1.Service, ...).
	Obj any
}

// newObject returns an empty typed object for apiVersion/kind.
func newObject(apiVersion, kind string) (any, bool) {
	switch apiVersion + "/" + kind {
	case "v1/Namespace":
		return &corev1.Namespace{}, true
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, true
	case "v1/Secret":
		return &corev1.Secret{}, true
	case "v1/Service":
		return &corev1.Service{}, true
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}, true
	case "v1/Pod":
		return &corev1.Pod{}, true
	case "v1/PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}, true
	case "v1/PersistentVolume":
		return &corev1.PersistentVolume{}, true
	case "apps/v1/StatefulSet":
		return &appsv1.StatefulSet{}, true
	case "apps/v1/DaemonSet":
		return &appsv1.DaemonSet{}, true
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}, true
	case "batch/v1/Job":
		return &batchv1.Job{}, true
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, true
	case "storage.k8s.io/v1/CSIDriver":
		return &storagev1.CSIDriver{}, true
	case "storage.k8s.io/v1/StorageClass":
		return &storagev1.StorageClass{}, true
	case "rbac.authorization.k8s.io/v1/ClusterRole":
		return &rbacv1.ClusterRole{}, true
	case "rbac.authorization.k8s.io/v1/ClusterRoleBinding":
		return &rbacv1.ClusterRoleBinding{}, true
	case "rbac.authorization.k8s.io/v1/Role":
		return &rbacv1.Role{}, true
	case "rbac.authorization.k8s.io/v1/RoleBinding":
		return &rbacv1.RoleBinding{}, true
	}
	return nil, false
}

// Decode decodes a multi-document YAML stream strictly: an unknown kind or
// an unknown field fails.
func Decode(file string, data []byte) ([]Object, error) {
	var out []Object
	for i, doc := range splitDocs(data) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, fmt.Errorf("%w: %s document %d: %v", ErrManifest, file, i, err)
		}
		obj, ok := newObject(tm.APIVersion, tm.Kind)
		if !ok {
			return nil, fmt.Errorf("%w: %s document %d: unknown kind %s/%s", ErrManifest, file, i, tm.APIVersion, tm.Kind)
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("%w: %s document %d (%s): %v", ErrManifest, file, i, tm.Kind, err)
		}
		name := ""
		if m, ok := obj.(metav1.Object); ok {
			name = m.GetName()
		}
		out = append(out, Object{File: file, Kind: tm.Kind, Name: name, Obj: obj})
	}
	return out, nil
}

// splitDocs splits a YAML stream on "---" lines, dropping empty documents.
func splitDocs(data []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	flush := func() {
		if strings.TrimSpace(stripComments(cur.String())) != "" {
			docs = append(docs, append([]byte(nil), cur.Bytes()...))
		}
		cur.Reset()
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.TrimRight(line, "\r\n") == "---" {
			flush()
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return docs
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// LoadDir decodes every .yaml file under dir except kustomization.yaml.
func LoadDir(dir string) ([]Object, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".yaml") && d.Name() != "kustomization.yaml" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []Object
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		objs, err := Decode(f, b)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// PodSpec returns the pod template of a workload (nil for other kinds).
func PodSpec(o Object) *corev1.PodSpec {
	switch v := o.Obj.(type) {
	case *appsv1.StatefulSet:
		return &v.Spec.Template.Spec
	case *appsv1.DaemonSet:
		return &v.Spec.Template.Spec
	case *appsv1.Deployment:
		return &v.Spec.Template.Spec
	case *batchv1.Job:
		return &v.Spec.Template.Spec
	case *corev1.Pod:
		return &v.Spec
	}
	return nil
}

// DatamonContainers lists the containers running the datamon image, by
// "kind/name/container".
func DatamonContainers(objs []Object) map[string]corev1.Container {
	out := map[string]corev1.Container{}
	for _, o := range objs {
		ps := PodSpec(o)
		if ps == nil {
			continue
		}
		for _, c := range ps.Containers {
			img := c.Image
			if i := strings.LastIndex(img, ":"); i > strings.LastIndex(img, "/") {
				img = img[:i]
			}
			if img == "datamon" || strings.HasSuffix(img, "/datamon") {
				out[o.Kind+"/"+o.Name+"/"+c.Name] = c
			}
		}
	}
	return out
}
