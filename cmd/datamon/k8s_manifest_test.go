package main

import (
	"strings"
	"testing"

	"github.com/datamon-io/datamon/deploy/kubernetes"
)

// TestKubernetesManifestFlags: every datamon container in
// deploy/kubernetes runs a real subcommand with real, visible flags whose
// values parse (a renamed or removed flag fails here, not in a cluster).
func TestKubernetesManifestFlags(t *testing.T) {
	objs, err := kubernetes.LoadDir("../../deploy/kubernetes")
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.DatamonContainers(objs)
	if len(cs) < 3 {
		t.Fatalf("found %d datamon containers, want the StatefulSet, the node plugin and the controller", len(cs))
	}
	for where, c := range cs {
		if len(c.Command) != 0 || len(c.Args) == 0 {
			t.Errorf("%s: want args (subcommand first) and the image's entrypoint, got command %v args %v", where, c.Command, c.Args)
			continue
		}
		sub, rest, err := newRootCmd().Find(c.Args)
		if err != nil || sub.Name() != c.Args[0] || len(rest) != len(c.Args)-1 {
			t.Errorf("%s: %q is not a datamon subcommand (%v)", where, c.Args[0], err)
			continue
		}
		for _, a := range c.Args[1:] {
			name, _, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			if !strings.HasPrefix(a, "--") || !ok {
				t.Errorf("%s: arg %q: write flags as --name=value", where, a)
				continue
			}
			f := sub.Flags().Lookup(name)
			if f == nil {
				f = sub.InheritedFlags().Lookup(name)
			}
			if f == nil {
				t.Errorf("%s: datamon %s has no flag --%s", where, sub.Name(), name)
			} else if f.Hidden {
				t.Errorf("%s: --%s is a hidden (test-only) flag", where, name)
			}
		}
		if err := sub.ParseFlags(c.Args[1:]); err != nil {
			t.Errorf("%s: datamon %s %v: %v", where, sub.Name(), c.Args[1:], err)
		}
	}
}
