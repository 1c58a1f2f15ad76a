package node

import (
	"fmt"
	"path/filepath"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/authlimit"
	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/s3backend"
)

// The audit log and the brute-force limiter, shared by the API and the S3
// gateway: this file is where they are wired.

// startAccessGuards opens <DataDir>/audit and builds the limiter.
func (n *Node) startAccessGuards() error {
	acfg := audit.Config{
		Dir: filepath.Join(n.cfg.DataDir, "audit"), Node: n.id.ID,
		MaxBytes: n.cfg.AuditMaxBytes, MaxAge: n.cfg.AuditMaxAge,
		Clock: n.clock, Logger: n.log.With("component", "audit"),
	}
	l, err := audit.Open(acfg)
	if err != nil {
		return fmt.Errorf("node: audit log: %w", err)
	}
	n.auditLog = l
	n.onClose(l.Close) // closed after the API and gateway (reverse order)
	lim, err := authlimit.New(authlimit.Config{
		Window: n.cfg.AuthFailureWindow, PerKeySource: n.cfg.AuthFailuresPerKey,
		PerSource: n.cfg.AuthFailuresPerSource, Clock: n.clock,
	})
	if err != nil {
		return fmt.Errorf("node: auth limiter: %w", err)
	}
	n.authLimit = lim
	return nil
}

// guardAPI hooks both into the API's config.
func (n *Node) guardAPI(c *api.Config) { c.Audit, c.AuthLimit = n.auditLog, n.authLimit }

// guardS3 hooks both into the gateway's config; buckets are named by their
// repo in audit records.
func (n *Node) guardS3(c *gateway.Config) {
	c.Audit, c.AuthLimit = n.auditLog, n.authLimit
	c.BucketRepo = func(bucket string) (string, string, bool) {
		ref, err := s3backend.ParseBucket(bucket)
		return ref.Context, ref.Repo, err == nil
	}
}

// accessGuardMetrics adds the audit log's and the limiter's figures.
func (n *Node) accessGuardMetrics(out map[string]float64) {
	if n.auditLog != nil {
		for k, v := range n.auditLog.Metrics() {
			out[k] = v
		}
	}
	if n.authLimit != nil {
		for k, v := range n.authLimit.Metrics() {
			out[k] = v
		}
	}
}
