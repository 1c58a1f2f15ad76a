package suite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/datamon-io/datamon/bench/s3load"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/jwtauth/jwtauthtest"
	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/model"
	jose "github.com/go-jose/go-jose/v4"
)

// The product.identity clusters trust one JWT issuer the figure makes up:
// an RS256 key (the usual OIDC provider's) whose JWKS file every node
// reads, and a group that grants what the benchmark's access key has.
const (
	identityIssuer   = "https://idp.datamon-bench.invalid"
	identityAudience = "datamon-bench"
	identityGroup    = "bench-writers"
	identityGrant    = "bench/*=write"
	identityCtx      = "bench"
	identityRepo     = "identity"
	identityBucket   = "bench.identity" // s3backend.BucketName of bench/identity
	identityObjects  = 8                // 4 KiB objects per client
)

// identityCluster is one of the figure's clusters with a client of each
// credential: "key" (an access key of a user, SigV4 on S3, the API's
// signature) and "jwt" (a bearer token of the issuer, verified by the node
// on every request). Both carry the same grant, not root, so the grant
// check runs for both.
type identityCluster struct {
	name   string // "plain" or "tls"
	cl     *localcluster.Cluster
	api    map[string]*client.Client
	s3     map[string]s3load.Target
	bundle string // the label-set target
}

// identityIssuerFiles makes the issuer and writes its JWKS and the node
// config (jwt: section) into dir; it returns the issuer, a one-hour token
// of the group and the config path.
func identityIssuerFiles(dir string) (*jwtauthtest.Issuer, string, string, error) {
	is, err := jwtauthtest.NewIssuer(identityIssuer, jose.RS256)
	if err != nil {
		return nil, "", "", fmt.Errorf("suite: identity: issuer: %w", err)
	}
	jwks := filepath.Join(dir, "jwks.json")
	if err := is.WriteJWKS(jwks); err != nil {
		return nil, "", "", fmt.Errorf("suite: identity: %w", err)
	}
	conf := fmt.Sprintf("jwt:\n  issuers:\n    - issuer: %s\n      audiences: [%s]\n      jwks_file: %s\n"+
		"      algorithms: [RS256]\n      grants_claim: groups\n      groups:\n        %s: [%q]\n",
		identityIssuer, identityAudience, jwks, identityGroup, identityGrant)
	path := filepath.Join(dir, "node.yaml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return nil, "", "", fmt.Errorf("suite: identity: %w", err)
	}
	tok, err := is.Token(identityAudience, "bench-jwt", time.Hour, identityGroup)
	if err != nil {
		return nil, "", "", fmt.Errorf("suite: identity: token: %w", err)
	}
	return is, tok, path, nil
}

// setupIdentity creates the repo, a bundle to label, the user and key,
// writes the objects GET reads (as root), builds the clients and waits
// until both credentials work on every node.
func setupIdentity(ctx context.Context, e *Env, name string, cl *localcluster.Cluster, ci *ClusterInfo, token string) (*identityCluster, error) {
	ic := &identityCluster{name: name, cl: cl, api: map[string]*client.Client{}, s3: map[string]s3load.Target{}}
	newClient := func(endpoints []string, ak, sk, tok string) (*client.Client, error) {
		cfg := client.DefaultConfig()
		cfg.Endpoints, cfg.AccessKey, cfg.SecretKey, cfg.Token, cfg.TLS = endpoints, ak, sk, tok, ci.TLS
		cfg.Logger = e.Log
		return client.New(cfg)
	}
	root, err := newClient(ci.Endpoints, ci.AccessKey, ci.SecretKey, "")
	if err != nil {
		return nil, fmt.Errorf("suite: identity %s: client: %w", name, err)
	}
	if _, err := root.CreateContext(ctx, model.Context{Name: identityCtx, Description: "datamon-bench"}); err != nil && !errors.Is(err, model.ErrExists) {
		return nil, fmt.Errorf("suite: identity %s: create context: %w", name, err)
	}
	if _, err := root.CreateRepo(ctx, model.Repo{Context: identityCtx, Name: identityRepo, Description: "identity benchmark"}); err != nil && !errors.Is(err, model.ErrExists) {
		return nil, fmt.Errorf("suite: identity %s: create repo: %w", name, err)
	}
	b, err := root.CommitBundle(ctx, model.Bundle{Context: identityCtx, Repo: identityRepo, Message: "label target"}, "")
	if err != nil {
		return nil, fmt.Errorf("suite: identity %s: commit bundle: %w", name, err)
	}
	ic.bundle = b.ID
	if _, err := root.CreateUser(ctx, "bench-key", "bench-key@example.com"); err != nil && !errors.Is(err, model.ErrExists) {
		return nil, fmt.Errorf("suite: identity %s: create user: %w", name, err)
	}
	ks, err := root.CreateKey(ctx, "bench-key", []string{identityGrant})
	if err != nil {
		return nil, fmt.Errorf("suite: identity %s: create key: %w", name, err)
	}
	rootS3 := s3load.Target{Endpoint: ci.S3Endpoint, AccessKey: ci.AccessKey, SecretKey: ci.SecretKey, Bucket: identityBucket, TLS: ci.TLS}
	if err := s3load.Populate(ctx, rootS3, s3load.Config{Clients: e.Profile.Clients, Objects: identityObjects}, 4<<10); err != nil {
		return nil, fmt.Errorf("suite: identity %s: %w", name, err)
	}
	ic.s3["key"] = s3load.Target{Endpoint: ci.S3Endpoint, AccessKey: ks.ID, SecretKey: ks.Secret, Bucket: identityBucket, TLS: ci.TLS}
	ic.s3["jwt"] = s3load.Target{Endpoint: ci.S3Endpoint, Token: token, Bucket: identityBucket, TLS: ci.TLS}
	if ic.api["key"], err = newClient(ci.Endpoints, ks.ID, ks.Secret, ""); err != nil {
		return nil, fmt.Errorf("suite: identity %s: client: %w", name, err)
	}
	if ic.api["jwt"], err = newClient(ci.Endpoints, "", "", token); err != nil {
		return nil, fmt.Errorf("suite: identity %s: client: %w", name, err)
	}
	return ic, ic.waitCredentials(ctx, e, ci, ks, token)
}

// waitCredentials polls until the new key (replicated through Raft) and
// the token set a label on every node and GET an object from the gateway.
func (ic *identityCluster) waitCredentials(ctx context.Context, e *Env, ci *ClusterInfo, ks client.KeySecret, token string) error {
	probe := s3load.Config{Clients: 1, Objects: 1, Duration: time.Millisecond}
	for _, ep := range ci.Endpoints {
		for cred, auth := range map[string][2]string{"key": {ks.ID, ks.Secret}, "jwt": {"", token}} {
			cfg := client.DefaultConfig()
			cfg.Endpoints, cfg.TLS, cfg.Retries, cfg.Logger = []string{ep}, ci.TLS, 0, e.Log
			if auth[0] != "" {
				cfg.AccessKey, cfg.SecretKey = auth[0], auth[1]
			} else {
				cfg.Token = auth[1]
			}
			c, err := client.New(cfg)
			if err != nil {
				return fmt.Errorf("suite: identity %s: client: %w", ic.name, err)
			}
			if err := pollUntil(ctx, 30*time.Second, func() error {
				_, err := c.SetLabel(ctx, identityCtx, identityRepo, "probe", ic.bundle, client.LabelOptions{})
				return err
			}); err != nil {
				return fmt.Errorf("suite: identity %s: %s on %s: %w", ic.name, cred, ep, err)
			}
		}
	}
	for cred, t := range ic.s3 {
		if err := pollUntil(ctx, 30*time.Second, func() error {
			_, err := s3load.GetRate(ctx, t, probe, 4<<10)
			return err
		}); err != nil {
			return fmt.Errorf("suite: identity %s: S3 GET with the %s: %w", ic.name, cred, err)
		}
	}
	return nil
}

// pollUntil calls f every 100 ms until it succeeds or d passes (the last
// error is returned).
func pollUntil(ctx context.Context, d time.Duration, f func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
