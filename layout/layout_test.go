package layout

import (
	"errors"
	"testing"
)

func TestParsePolicy(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Policy
		ok   bool
	}{
		{"4+2", Policy{4, 2}, true},
		{"1+0", Policy{1, 0}, true},
		{"10+4", Policy{10, 4}, true},
		{"0+2", Policy{}, false},
		{"4+-1", Policy{}, false},
		{"4 + 2", Policy{}, false},
		{"4+2x", Policy{}, false},
		{"200+100", Policy{}, false},
		{"", Policy{}, false},
	} {
		got, err := ParsePolicy(tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("ParsePolicy(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if !tc.ok && !errors.Is(err, ErrBadPolicy) {
			t.Errorf("ParsePolicy(%q) = %v, %v; want ErrBadPolicy", tc.in, got, err)
		}
	}
}

func TestDefaultPolicyFitsCluster(t *testing.T) {
	for n := 1; n <= 64; n++ {
		p := DefaultPolicy(n)
		if err := p.Validate(); err != nil {
			t.Fatalf("%d nodes: %v", n, err)
		}
		if p.Total() > n {
			t.Fatalf("%d nodes: policy %s needs more shards than nodes", n, p)
		}
		if n >= 4 && p.M < 2 {
			t.Fatalf("%d nodes: policy %s keeps fewer than 2 parity shards", n, p)
		}
	}
}

func TestLayoutWithWithout(t *testing.T) {
	l, err := New(1, Policy{2, 1}, []Node{{ID: "b", Site: "s2", Capacity: 1}, {ID: "a", Site: "s1", Capacity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if l.Nodes[0].ID != "a" {
		t.Fatal("nodes not sorted")
	}
	l2 := l.With(Node{ID: "c", Site: "s3", Capacity: 2})
	if l2.Version != 2 || len(l2.Nodes) != 3 || len(l.Nodes) != 2 {
		t.Fatalf("With: %+v (original %+v)", l2, l)
	}
	l3 := l2.With(Node{ID: "a", Site: "s1", Capacity: 0})
	if n, _ := l3.Node("a"); n.Capacity != 0 || len(l3.Nodes) != 3 {
		t.Fatalf("With replace: %+v", l3)
	}
	l4, err := l3.Without("b")
	if err != nil || len(l4.Nodes) != 2 || l4.Version != 4 {
		t.Fatalf("Without: %+v %v", l4, err)
	}
	if _, err := l4.Without("b"); !errors.Is(err, ErrUnknownNode) {
		t.Fatalf("Without unknown: %v", err)
	}
	if got := l2.Sites(); len(got) != 3 || got[0] != "s1" {
		t.Fatalf("Sites: %v", got)
	}
	if _, err := New(1, Policy{2, 1}, []Node{{ID: "a"}, {ID: "a"}}); !errors.Is(err, ErrDuplicateID) {
		t.Fatalf("duplicate: %v", err)
	}
	if !l.Equal(l.With(Node{ID: "a", Site: "s1", Capacity: 1})) {
		t.Fatal("Equal ignores version")
	}
}

func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{"4+2", "1+0", "", "+", "1+", "999999999999+1", "-1+2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePolicy(s)
		if err != nil {
			return
		}
		if p.Validate() != nil || p.String() != s {
			t.Fatalf("ParsePolicy(%q) accepted %v", s, p)
		}
	})
}
