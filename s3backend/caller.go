package s3backend

import (
	"context"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
)

// withCaller puts id's access key on ctx as a model.Caller, so that every
// metadata write of the request carries an auth stamp and the state
// machine refuses it if the key was deleted, the secret the request was
// signed with rotated away, or a grant it needs removed before the write
// reached the log (raftmeta/authstamp.go). The permission checks of the
// request (resolve, CreateBucket) record the grants it needs (need). Bearer
// tokens and STS credentials (id.RaftKey false) are not stamped: they
// have no key in Raft; their authority ends with the token.
func withCaller(ctx context.Context, id gateway.Identity) context.Context {
	if !id.RaftKey || id.AccessKey == "" {
		return ctx
	}
	return model.WithCaller(ctx, model.Caller{Key: id.AccessKey, SecretGen: id.SecretGen})
}

// need records that the request was allowed perm on context/repo (or,
// with repo "", on the cluster).
func need(ctx context.Context, context, repo string, perm model.Permission) {
	scope := model.ScopeCluster
	if repo != "" {
		scope = model.RepoScope(context, repo)
	}
	model.Need(ctx, model.Grant{Scope: scope, Permission: perm})
}
