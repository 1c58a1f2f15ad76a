package s3backend

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// repoDescription is the description of repos created through S3.
const repoDescription = "created through S3"

// contextDescription is the description of contexts created through S3.
const contextDescription = "created through S3 (dotted bucket name)"

// ListBuckets implements gateway.Backend: the repos id can read, in every
// context, by canonical bucket name. Ref aliases are not listed.
func (b *Backend) ListBuckets(ctx context.Context, id gateway.Identity) ([]gateway.BucketInfo, error) {
	cs, err := b.meta.ListContexts(ctx)
	if err != nil {
		return nil, err
	}
	out := []gateway.BucketInfo{}
	for _, c := range cs {
		rs, err := b.meta.ListRepos(ctx, c.Name)
		if errors.Is(err, model.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if allowed(id, r.Context, r.Name, model.PermRead) {
				out = append(out, gateway.BucketInfo{Name: BucketName(Ref{Context: r.Context, Repo: r.Name}), Created: r.Timestamp})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CreateBucket implements gateway.Backend: a repo (admin needed).
func (b *Backend) CreateBucket(ctx context.Context, id gateway.Identity, bucket string) error {
	ctx = withCaller(ctx, id) // writes re-checked at apply (caller.go)
	r, err := ParseBucket(bucket)
	if err != nil {
		return fmt.Errorf("%w: %w", gateway.ErrInvalidBucketName, err)
	}
	if r.ReadOnly() {
		return fmt.Errorf("%w: %s names a read-only ref alias", gateway.ErrAccessDenied, bucket)
	}
	if !allowed(id, r.Context, r.Repo, model.PermAdmin) {
		return fmt.Errorf("%w: admin on %s/%s", gateway.ErrAccessDenied, r.Context, r.Repo)
	}
	need(ctx, r.Context, r.Repo, model.PermAdmin)
	repo := model.Repo{Context: r.Context, Name: r.Repo, Description: repoDescription,
		Contributor: model.Contributor{Name: id.Name, Email: id.Email}}
	_, err = b.meta.CreateRepo(ctx, repo)
	if errors.Is(err, model.ErrNotFound) && id.Root && r.Context != model.DefaultContext {
		need(ctx, "", "", model.PermAdmin) // a new context: the cluster's root
		// "<ctx>.<repo>" with a new context (S3 clients create dotted
		// buckets freely): root creates the context too.
		_, cerr := b.meta.CreateContext(ctx, model.Context{Name: r.Context, Description: contextDescription,
			Contributor: model.Contributor{Name: id.Name, Email: id.Email}})
		if cerr == nil || errors.Is(cerr, model.ErrExists) {
			_, err = b.meta.CreateRepo(ctx, repo)
		}
	}
	switch {
	case errors.Is(err, model.ErrExists):
		return fmt.Errorf("%w: %w", gateway.ErrBucketExists, err)
	case errors.Is(err, model.ErrNotFound): // the context
		return fmt.Errorf("%w: %w", gateway.ErrInvalidBucketName, err)
	}
	return mapErr(err, gateway.ErrNoSuchBucket)
}

// DeleteBucket implements gateway.Backend: deletes a repo without bundles
// and without draft objects (admin needed). Not atomic with writes racing it.
func (b *Backend) DeleteBucket(ctx context.Context, id gateway.Identity, bucket string) error {
	ctx = withCaller(ctx, id) // writes re-checked at apply (caller.go)
	t, err := b.resolve(ctx, id, bucket, model.PermAdmin)
	if err != nil {
		return err
	}
	if t.ReadOnly() {
		return fmt.Errorf("%w: %s is a read-only ref alias", gateway.ErrAccessDenied, bucket)
	}
	_, err = b.meta.LatestBundle(ctx, t.Context, t.Repo)
	if err == nil {
		return fmt.Errorf("%w: %s/%s has bundles", gateway.ErrBucketNotEmpty, t.Context, t.Repo)
	}
	if !errors.Is(err, model.ErrNotFound) {
		return err
	}
	s, err := b.meta.DraftSummary(ctx, t.Context, t.Repo)
	if err != nil {
		return mapErr(err, gateway.ErrNoSuchBucket)
	}
	if s.Objects > 0 {
		return fmt.Errorf("%w: %s/%s has %d draft objects", gateway.ErrBucketNotEmpty, t.Context, t.Repo, s.Objects)
	}
	return mapErr(b.meta.DeleteRepo(ctx, t.Context, t.Repo), gateway.ErrNoSuchBucket)
}

// HeadBucket implements gateway.Backend.
func (b *Backend) HeadBucket(ctx context.Context, id gateway.Identity, bucket string) error {
	_, err := b.resolve(ctx, id, bucket, model.PermRead)
	return err
}

// LookupKey implements gateway.Keys: a stale read of the access key, a
// linearizable one when the gateway asks (gateway.FreshKey: a write whose
// signature did not verify against the stale key). A key whose deletion or
// rotation was acknowledged before the write never authorises it: the
// write's auth stamp is refused at apply (caller.go).
func (b *Backend) LookupKey(ctx context.Context, accessKey string) (string, gateway.Identity, error) {
	rctx := raftmeta.WithStale(ctx)
	if gateway.FreshKey(ctx) {
		rctx = ctx
	}
	k, err := b.meta.GetAccessKey(rctx, accessKey)
	if err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return "", gateway.Identity{}, fmt.Errorf("%w: %w", gateway.ErrAccessDenied, err)
		}
		if errors.Is(err, raftmeta.ErrNoLeader) {
			// This node cannot vouch for any key yet (a stale read needs no
			// leader: only a node without applied metadata says so): 503
			// ServiceUnavailable, nothing was processed, clients retry elsewhere.
			return "", gateway.Identity{}, fmt.Errorf("%w: %w", gateway.ErrNotServing, err)
		}
		if errors.Is(err, raftmeta.ErrSealed) {
			// The key exists but this node cannot open its secret: its
			// cluster secret is not the one the key was sealed with (an
			// operator changed it). Not the caller's fault, and other nodes
			// may serve it: 503 ServiceUnavailable, nothing processed, and
			// a line for the operator (no secret in it).
			b.log.Error("s3: cannot open the sealed secret of an access key; is this node's cluster secret the cluster's?",
				"key", accessKey, "err", err)
			return "", gateway.Identity{}, fmt.Errorf("%w: %w", gateway.ErrNotServing, err)
		}
		return "", gateway.Identity{}, err
	}
	id := gateway.Identity{AccessKey: k.ID, Root: k.Root, User: k.User, Name: k.Contributor.Name, Email: k.Contributor.Email,
		OldSecret: k.OldSecret, OldSecretUntil: k.OldSecretUntil, // rotation grace (gateway/auth.go)
		RaftKey: true, SecretGen: k.SecretGen, OldSecretGen: k.OldSecretGen} // auth stamp (caller.go)
	if len(k.Grants) > 0 {
		id.Grants = make(map[string]string, len(k.Grants))
		for scope, p := range k.Grants {
			if p > model.PermNone && p <= model.PermAdmin {
				id.Grants[scope] = permName(p)
			}
		}
	}
	return k.Secret, id, nil
}

// BucketPermission implements gateway.PermissionBackend: the caller's
// permission on the bucket's repo (a read-only ref alias reports read).
func (b *Backend) BucketPermission(ctx context.Context, id gateway.Identity, bucket string) (string, error) {
	t, err := b.resolve(ctx, id, bucket, model.PermRead)
	if err != nil {
		return "", err
	}
	switch {
	case t.ReadOnly():
		return gateway.PermRead, nil
	case allowed(id, t.Context, t.Repo, model.PermAdmin):
		return gateway.PermAdmin, nil
	case allowed(id, t.Context, t.Repo, model.PermWrite):
		return gateway.PermWrite, nil
	}
	return gateway.PermRead, nil
}
