package model

import (
	"context"
	"strings"
	"sync"
)

// Caller is the Raft access key a request was authenticated with: the seam
// through which the edges (HTTP API, S3 gateway, Git LFS) tell raftmeta on
// whose behalf a write is proposed. raftmeta copies it into the command as
// an auth stamp, and the state machine refuses the command at apply time,
// on every replica alike, when the key no longer exists, the secret the
// request was signed with is no longer valid (rotated away, or past its
// grace period), or the key no longer holds one of the grants the edge
// checked. Edge checks run on a node's possibly stale state; the check at
// apply is ordered in the log with every delete, rotation and grant change,
// so a revocation acknowledged before the write was proposed always wins.
//
// Callers without a Raft key (JWT bearer tokens, STS temporary
// credentials) get no Caller: their authority is the token's signed claims
// and expiry, checked at the edge only, and nothing in Raft can revoke it
// before it expires.
type Caller struct {
	// Key is the access key ID.
	Key string
	// SecretGen is the generation of the secret that verified the request
	// (AccessKey.SecretGen, or OldSecretGen when the old secret matched).
	SecretGen uint64
}

// MaxCallerNeeds bounds the grants one write may carry: a handler checks a
// few scopes at most, and raftmeta refuses (ErrInvalid) a write whose
// request recorded more.
const MaxCallerNeeds = 8

// ScopeAny, as a Need's scope, asks for the permission on some scope (the
// key's highest grant anywhere).
const ScopeAny = ""

type callerKey struct{}

// callerBox is shared by every context derived from WithCaller, so that a
// permission check anywhere in the request records its need for the
// writes that follow it.
type callerBox struct {
	c     Caller
	mu    sync.Mutex
	needs []Grant
}

// WithCaller returns ctx carrying c (see Caller). needs are grants the
// request is known to need already; Need adds more later.
func WithCaller(ctx context.Context, c Caller, needs ...Grant) context.Context {
	b := &callerBox{c: c}
	for _, g := range needs {
		b.add(g)
	}
	return context.WithValue(ctx, callerKey{}, b)
}

// Need records that the request of ctx was authorised with g (its key
// holds g.Permission on g.Scope, see KeyPermission), so that every write it
// proposes afterwards is refused at apply if the key lost it. No-op when
// ctx carries no Caller. Duplicates and weaker needs on the same scope are
// merged.
func Need(ctx context.Context, g Grant) {
	if ctx == nil {
		return
	}
	if b, ok := ctx.Value(callerKey{}).(*callerBox); ok {
		b.add(g)
	}
}

func (b *callerBox) add(g Grant) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, n := range b.needs {
		if n.Scope == g.Scope {
			b.needs[i].Permission = max(n.Permission, g.Permission)
			return
		}
	}
	b.needs = append(b.needs, g)
}

// CallerFrom returns the Caller of ctx and the grants recorded so far.
func CallerFrom(ctx context.Context) (Caller, []Grant, bool) {
	b, ok := ctx.Value(callerKey{}).(*callerBox)
	if !ok {
		return Caller{}, nil, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.c, append([]Grant(nil), b.needs...), true
}

// RepoScope is the grant scope of a repo ("*" repo: the context-wide scope).
func RepoScope(context, repo string) string { return context + "/" + repo }

// KeyPermission is k's permission on scope: for "ctx/repo" the strongest of
// its grants on the repo, on "ctx/*" and on the cluster; for "ctx/*" the
// context-wide and cluster grants; for ScopeCluster the cluster grant; for
// ScopeAny its strongest grant anywhere. A root key has admin everywhere.
func KeyPermission(k AccessKey, scope string) Permission {
	if k.Root {
		return PermAdmin
	}
	if scope == ScopeAny {
		var p Permission
		for _, g := range k.Grants {
			p = max(p, g)
		}
		return p
	}
	p := k.Grants[ScopeCluster]
	if scope == ScopeCluster {
		return p
	}
	ctx, repo, _ := strings.Cut(scope, "/")
	p = max(p, k.Grants[ctx+"/*"])
	if repo != "*" {
		p = max(p, k.Grants[scope])
	}
	return p
}

// SecretGenOf is the generation of the secret that matched a signature:
// the old secret's when old, else the current one's.
func (k AccessKey) SecretGenOf(old bool) uint64 {
	if old {
		return k.OldSecretGen
	}
	return k.SecretGen
}
