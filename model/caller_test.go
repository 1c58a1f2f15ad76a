package model

import (
	"context"
	"testing"
)

func TestKeyPermissionScopes(t *testing.T) {
	k := AccessKey{Grants: map[string]Permission{"c/r": PermWrite, "c/*": PermRead, "d/*": PermAdmin}}
	for scope, want := range map[string]Permission{
		"c/r": PermWrite, "c/other": PermRead, "c/*": PermRead, "d/x": PermAdmin,
		"e/x": PermNone, ScopeCluster: PermNone, ScopeAny: PermAdmin,
	} {
		if got := KeyPermission(k, scope); got != want {
			t.Errorf("%q: %s, want %s", scope, got, want)
		}
	}
	k.Grants[ScopeCluster] = PermRead
	if got := KeyPermission(k, "e/x"); got != PermRead {
		t.Errorf("cluster read on e/x: %s", got)
	}
	if got := KeyPermission(AccessKey{Root: true}, ScopeCluster); got != PermAdmin {
		t.Errorf("root: %s", got)
	}
}

// Needs recorded on a derived context reach the caller's box; the same
// scope is merged to its strongest permission; no caller, no needs.
func TestCallerNeeds(t *testing.T) {
	if _, _, ok := CallerFrom(context.Background()); ok {
		t.Fatal("caller without WithCaller")
	}
	Need(context.Background(), Grant{Scope: "c/r", Permission: PermRead}) // no-op
	Need(nil, Grant{Scope: "c/r", Permission: PermRead})                  // a nil ctx is tolerated
	ctx := WithCaller(context.Background(), Caller{Key: "K", SecretGen: 7}, Grant{Scope: "c/r", Permission: PermRead})
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	Need(child, Grant{Scope: "c/r", Permission: PermWrite})
	Need(child, Grant{Scope: "c/r", Permission: PermRead})
	Need(child, Grant{Scope: ScopeCluster, Permission: PermAdmin})
	c, needs, ok := CallerFrom(ctx)
	if !ok || c != (Caller{Key: "K", SecretGen: 7}) {
		t.Fatalf("caller: %+v %v", c, ok)
	}
	want := []Grant{{Scope: "c/r", Permission: PermWrite}, {Scope: ScopeCluster, Permission: PermAdmin}}
	if len(needs) != len(want) || needs[0] != want[0] || needs[1] != want[1] {
		t.Fatalf("needs %+v, want %+v", needs, want)
	}
}
