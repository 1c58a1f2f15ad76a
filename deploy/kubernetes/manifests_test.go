package kubernetes

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/csi"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/node"
)

// load decodes every manifest of the directory strictly.
func load(t *testing.T) []Object {
	t.Helper()
	objs, err := LoadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// TestStrictDecodeRefusesUnknownFields: the decoder the manifests pass
// refuses a typo and an unknown kind.
func TestStrictDecodeRefusesUnknownFields(t *testing.T) {
	bad := map[string]string{
		"typo":         "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  selectr: {a: b}\n",
		"unknown kind": "apiVersion: v1\nkind: Sevrice\nmetadata: {name: x}\n",
		"duplicate":    "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nmetadata: {name: y}\n",
	}
	for name, doc := range bad {
		if _, err := Decode(name, []byte(doc)); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	if objs, err := Decode("ok", []byte("# c\n---\napiVersion: v1\nkind: Service\nmetadata: {name: x}\n---\n")); err != nil || len(objs) != 1 {
		t.Errorf("a good document: %v, %d objects", err, len(objs))
	}
}

// TestKustomizationsBuild: the kustomizations build with the kustomize
// API and everything they emit decodes strictly.
func TestKustomizationsBuild(t *testing.T) {
	want := map[string][]string{
		".":       {"Namespace", "ConfigMap", "Service", "StatefulSet", "PodDisruptionBudget", "CSIDriver", "DaemonSet", "Deployment"},
		"cluster": {"ConfigMap", "Service", "StatefulSet", "PodDisruptionBudget"},
		"csi":     {"CSIDriver", "DaemonSet", "Deployment", "ClusterRole"},
	}
	for dir, kinds := range want {
		rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
		if err != nil {
			t.Fatalf("kustomize build %s: %v", dir, err)
		}
		out, err := rm.AsYaml()
		if err != nil {
			t.Fatal(err)
		}
		objs, err := Decode("kustomize build "+dir, out)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, o := range objs {
			have[o.Kind] = true
			if o.Kind == "Secret" {
				t.Errorf("%s: the kustomization applies a Secret (%s): re-applying it would reset the keys", dir, o.Name)
			}
		}
		for _, k := range kinds {
			if !have[k] {
				t.Errorf("kustomize build %s: no %s", dir, k)
			}
		}
		if dir == "." {
			for _, o := range objs {
				if ps := PodSpec(o); ps != nil {
					for _, c := range ps.Containers {
						if strings.HasPrefix(c.Image, "datamon") {
							t.Errorf("%s/%s: image %q not rewritten by the kustomization", o.Kind, o.Name, c.Image)
						}
					}
				}
			}
		}
	}
}

func find[T any](t *testing.T, objs []Object, kind, name string) T {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind && o.Name == name {
			return o.Obj.(T)
		}
	}
	var zero T
	t.Fatalf("no %s %q in the manifests", kind, name)
	return zero
}

// TestClusterCrossReferences: the StatefulSet, its Services, config,
// Secret, probes and PodDisruptionBudget agree with each other and with
// the node's own config and health endpoints.
func TestClusterCrossReferences(t *testing.T) {
	objs := load(t)
	sts := find[*appsv1.StatefulSet](t, objs, "StatefulSet", "datamon")
	podLabels := labels.Set(sts.Spec.Template.Labels)
	sel := labels.SelectorFromSet(sts.Spec.Selector.MatchLabels)
	if !sel.Matches(podLabels) {
		t.Errorf("StatefulSet selector %v does not match its pod labels %v", sel, podLabels)
	}
	if sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("podManagementPolicy %q: bootstrap_expect needs every pod started at once (Parallel)", sts.Spec.PodManagementPolicy)
	}
	c := sts.Spec.Template.Spec.Containers[0]
	ports := map[string]corev1.ContainerPort{}
	for _, p := range c.Ports {
		ports[p.Name] = p
	}

	// Services: selectors match the pods, target ports exist.
	headless := find[*corev1.Service](t, objs, "Service", sts.Spec.ServiceName)
	if headless.Spec.ClusterIP != corev1.ClusterIPNone || !headless.Spec.PublishNotReadyAddresses {
		t.Errorf("service %s: want headless with publishNotReadyAddresses (nodes must find each other before ready)", headless.Name)
	}
	for _, name := range []string{sts.Spec.ServiceName, "datamon-api", "datamon-s3"} {
		svc := find[*corev1.Service](t, objs, "Service", name)
		if !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
			t.Errorf("service %s selector %v misses the pods", name, svc.Spec.Selector)
		}
		for _, sp := range svc.Spec.Ports {
			cp, ok := ports[sp.TargetPort.String()]
			proto := sp.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			cproto := cp.Protocol
			if cproto == "" {
				cproto = corev1.ProtocolTCP
			}
			if !ok || cp.ContainerPort != sp.Port || cproto != proto {
				t.Errorf("service %s port %s -> %s: container port %+v", name, sp.Name, sp.TargetPort.String(), cp)
			}
		}
	}

	// The config file decodes into node.Config strictly and agrees with
	// the ports, the replicas and the headless service.
	cm := find[*corev1.ConfigMap](t, objs, "ConfigMap", "datamon-config")
	var cfg node.Config
	dec := yaml.NewDecoder(bytes.NewReader([]byte(cm.Data["node.yaml"])))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("node.yaml: %v", err)
	}
	for name, addr := range map[string]string{"gossip-tcp": cfg.GossipAddr, "rpc": cfg.RPCAddr, "raft": cfg.RaftAddr, "api": cfg.APIAddr, "s3": cfg.S3Addr} {
		if want := fmt.Sprintf("0.0.0.0:%d", ports[name].ContainerPort); addr != want {
			t.Errorf("node.yaml binds %s at %q, the container port is %s", name, addr, want)
		}
	}
	replicas := int(*sts.Spec.Replicas)
	if cfg.BootstrapExpect != replicas {
		t.Errorf("bootstrap_expect %d != replicas %d", cfg.BootstrapExpect, replicas)
	}
	joinRe := regexp.MustCompile(`^` + sts.Name + `-(\d+)\.` + sts.Spec.ServiceName + fmt.Sprintf(`:%d$`, ports["gossip-tcp"].ContainerPort))
	for _, j := range cfg.Join {
		m := joinRe.FindStringSubmatch(j)
		var i int
		if m != nil {
			fmt.Sscan(m[1], &i)
		}
		if m == nil || i >= replicas {
			t.Errorf("join %q is not a pod of the StatefulSet on the headless service's gossip port", j)
		}
	}

	// Env: secrets from the Secret's keys, $(VAR) in args defined.
	secret := find[*corev1.Secret](t, objs, "Secret", "datamon-secrets")
	env := map[string]bool{}
	for _, e := range c.Env {
		env[e.Name] = true
		if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil {
			if r.SecretKeyRef.Name != secret.Name {
				t.Errorf("env %s from secret %q, the manifests define %q", e.Name, r.SecretKeyRef.Name, secret.Name)
			}
			if _, ok := secret.StringData[r.SecretKeyRef.Key]; !ok {
				t.Errorf("env %s from key %q, absent from secret %s", e.Name, r.SecretKeyRef.Key, secret.Name)
			}
		}
	}
	for _, want := range []string{"DATAMON_CLUSTER_SECRET", "DATAMON_ROOT_ACCESS_KEY", "DATAMON_ROOT_SECRET_KEY"} {
		if !env[want] {
			t.Errorf("env %s not set", want)
		}
	}
	var ec string
	for _, a := range c.Args {
		for _, m := range regexp.MustCompile(`\$\(([A-Z_]+)\)`).FindAllStringSubmatch(a, -1) {
			if !env[m[1]] {
				t.Errorf("arg %q uses $(%s), not in env", a, m[1])
			}
		}
		if strings.Contains(strings.ToLower(a), "secret") && !strings.HasPrefix(a, "--secret-file") {
			t.Errorf("arg %q: secrets never in argv", a)
		}
		if v, ok := strings.CutPrefix(a, "--ec="); ok {
			ec = v
		}
	}

	// Probes on the node's real health endpoints, by port name.
	probes := map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe}
	wantPath := map[string]string{"startup": api.PathLivez, "liveness": api.PathLivez, "readiness": api.PathReadyz}
	for kind, p := range probes {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe missing", kind)
			continue
		}
		if p.HTTPGet.Path != wantPath[kind] || p.HTTPGet.Port.String() != "api" {
			t.Errorf("%s probe %s on %s, want %s on api", kind, p.HTTPGet.Path, p.HTTPGet.Port.String(), wantPath[kind])
		}
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
		t.Errorf("resource requests missing")
	}

	// Volumes: every mount names a volume or claim template.
	vols := map[string]bool{}
	for _, v := range sts.Spec.Template.Spec.Volumes {
		vols[v.Name] = true
		if v.ConfigMap != nil && v.ConfigMap.Name != cm.Name {
			t.Errorf("volume %s names config map %q", v.Name, v.ConfigMap.Name)
		}
	}
	for _, v := range sts.Spec.VolumeClaimTemplates {
		vols[v.Name] = true
	}
	for _, m := range c.VolumeMounts {
		if !vols[m.Name] {
			t.Errorf("volume mount %s names no volume", m.Name)
		}
		if m.Name == "data" && m.MountPath != cfg.DataDir {
			t.Errorf("data volume at %s, data_dir %s", m.MountPath, cfg.DataDir)
		}
	}

	// PodDisruptionBudget: at most m-1 nodes away (writes need k+1 of
	// k+m owners) and a Raft quorum kept.
	pdb := find[*policyv1.PodDisruptionBudget](t, objs, "PodDisruptionBudget", "datamon")
	if !labels.SelectorFromSet(pdb.Spec.Selector.MatchLabels).Matches(podLabels) {
		t.Errorf("PDB selector misses the pods")
	}
	pol, err := layout.ParsePolicy(ec)
	if err != nil {
		t.Fatalf("--ec %q: %v", ec, err)
	}
	if pol.K+pol.M > replicas {
		t.Errorf("ec %s needs %d nodes, replicas %d", ec, pol.K+pol.M, replicas)
	}
	limit := min(pol.M-1, (cfg.Voters-1)/2)
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() < 1 || pdb.Spec.MaxUnavailable.IntValue() > limit {
		t.Errorf("PDB maxUnavailable %v, want 1..min(m-1, (voters-1)/2) = %d", pdb.Spec.MaxUnavailable, limit)
	}
}

// TestCSICrossReferences: the CSI manifests and examples agree with the
// CSIDriver object and the driver's volume attributes.
func TestCSICrossReferences(t *testing.T) {
	objs := load(t)
	drv := find[*storagev1.CSIDriver](t, objs, "CSIDriver", csi.DefaultName)
	if drv.Spec.AttachRequired == nil || *drv.Spec.AttachRequired {
		t.Errorf("CSIDriver: attachRequired must be false (no ControllerPublish)")
	}
	ds := find[*appsv1.DaemonSet](t, objs, "DaemonSet", "datamon-csi-node")
	var sock string
	mountsOf := map[string]map[string]string{} // container -> volume -> path
	for _, c := range ds.Spec.Template.Spec.Containers {
		mountsOf[c.Name] = map[string]string{}
		for _, m := range c.VolumeMounts {
			mountsOf[c.Name][m.Name] = m.MountPath
		}
		for _, a := range c.Args {
			if v, ok := strings.CutPrefix(a, "--kubelet-registration-path="); ok && !strings.Contains(v, "/"+drv.Name+"/") {
				t.Errorf("registrar registers %s, not under the driver name %s", v, drv.Name)
			}
			if v, ok := strings.CutPrefix(a, "--endpoint=unix://"); ok {
				sock = v
			}
		}
	}
	if sock == "" || mountsOf["datamon-csi"]["plugin-dir"]+"/csi.sock" != sock || mountsOf["node-driver-registrar"]["plugin-dir"]+"/csi.sock" != sock {
		t.Errorf("driver socket %q is not in the plugin-dir both containers mount: %v", sock, mountsOf)
	}
	vols := map[string]bool{}
	for _, v := range ds.Spec.Template.Spec.Volumes {
		vols[v.Name] = true
	}
	for c, ms := range mountsOf {
		for v := range ms {
			if !vols[v] {
				t.Errorf("container %s mounts %s, no such volume", c, v)
			}
		}
	}
	secrets := map[string]*corev1.Secret{}
	for _, o := range objs {
		if s, ok := o.Obj.(*corev1.Secret); ok {
			secrets[s.Name] = s
		}
	}
	checkSecret := func(where, name string) {
		s, ok := secrets[name]
		if !ok {
			t.Errorf("%s: secret %q not among the examples", where, name)
			return
		}
		keys := map[string]string{}
		for k := range s.StringData {
			keys[k] = "x"
		}
		if _, err := csi.ParseCredentials(keys); err != nil {
			t.Errorf("%s: secret %s: %v", where, name, err)
		}
	}
	n := 0
	for _, o := range objs {
		if sc, ok := o.Obj.(*storagev1.StorageClass); ok {
			n++
			if sc.Provisioner != drv.Name {
				t.Errorf("storage class %s: provisioner %s", sc.Name, sc.Provisioner)
			}
			if _, err := csi.ParseVolume(sc.Parameters, false); err != nil {
				t.Errorf("storage class %s: %v", sc.Name, err)
			}
			checkSecret("storage class "+sc.Name, sc.Parameters["csi.storage.k8s.io/node-publish-secret-name"])
		}
		ps := PodSpec(o)
		if ps == nil {
			continue
		}
		for _, v := range ps.Volumes {
			if v.CSI == nil {
				continue
			}
			n++
			if v.CSI.Driver != drv.Name {
				t.Errorf("%s/%s volume %s: driver %s", o.Kind, o.Name, v.Name, v.CSI.Driver)
			}
			if _, err := csi.ParseVolume(v.CSI.VolumeAttributes, v.CSI.ReadOnly != nil && *v.CSI.ReadOnly); err != nil {
				t.Errorf("%s/%s volume %s: %v", o.Kind, o.Name, v.Name, err)
			}
			if v.CSI.NodePublishSecretRef == nil {
				t.Errorf("%s/%s volume %s: no nodePublishSecretRef", o.Kind, o.Name, v.Name)
			} else {
				checkSecret(o.Kind+"/"+o.Name, v.CSI.NodePublishSecretRef.Name)
			}
			used := false
			for _, c := range ps.Containers {
				for _, m := range c.VolumeMounts {
					used = used || m.Name == v.Name
				}
			}
			if !used {
				t.Errorf("%s/%s: volume %s mounted by no container", o.Kind, o.Name, v.Name)
			}
		}
	}
	if n < 3 {
		t.Errorf("only %d CSI volumes in the examples", n)
	}
}
