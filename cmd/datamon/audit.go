package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/datamon-io/datamon/audit"
	"github.com/spf13/cobra"
)

// audit list as a table (text output without --format); --format applies
// to auditRow, --output json prints the records as JSON lines.
const (
	auditHeader = "TIME\tNODE\tSURFACE\tUSER\tKEY\tSOURCE\tACTION\tTARGET\tSTATUS\tCODE"
	auditRow    = "{{.Time}}\t{{.Node}}\t{{.Surface}}\t{{or .User \"-\"}}\t{{or .KeyID \"-\"}}\t{{.Source}}\t{{.Action}}\t{{or .Target \"-\"}}\t{{.Status}}\t{{or .Code \"-\"}}"
	fmtAudit    = "{{.Time}} , {{.Node}} , {{.User}} , {{.KeyID}} , {{.Source}} , {{.Action}} , {{.Target}} , {{.Status}} , {{.Code}}"
)

// auditRowView is one record as the text output (and --format) shows it.
type auditRowView struct {
	Time, Node, Surface, User, KeyID, Source, Method, Action, Target, Code string
	Status                                                                 int
	Authenticated, Refused                                                 bool
}

func (a *app) auditCmd() *cobra.Command {
	group := &cobra.Command{Use: "audit", Short: "the cluster's audit log (cluster admin)"}
	var since, until, user, key, repo string
	var limit int
	var refused bool
	list := &cobra.Command{
		Use:   "list",
		Short: "authenticated writes and refused requests, from every node, by time",
		Long: `Lists audit records of every node of the cluster, merged by time: every
authenticated write and every refused request (401, 403, throttled), with the
access key, user, source address, action, target and outcome. Needs a root
(cluster admin) key. The latest --limit matches are shown, oldest first.

--since and --until take a duration back from now (90m, 24h, 7d), an RFC 3339
time or a date (2006-01-02). --repo takes ctx/repo, ctx/* or a repo of the
current context. --output json prints one JSON record per line (an export).
Exits 1 after printing when some node could not be read (its records are
missing).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			if limit < 1 || limit > audit.MaxLimit {
				return usagef("--limit %d: want 1 to %d", limit, audit.MaxLimit)
			}
			now := time.Now()
			q := audit.Query{User: user, Key: key, Refused: refused, Limit: limit}
			if q.Since, err = parseWhen(since, now); err != nil {
				return usagef("--since: %v", err)
			}
			if q.Until, err = parseWhen(until, now); err != nil {
				return usagef("--until: %v", err)
			}
			if repo != "" {
				q.Repo = repo
				if !strings.Contains(repo, "/") {
					q.Repo = s.context + "/" + repo
				}
			}
			if err := q.Validate(); err != nil {
				return usagef("%v", strings.TrimPrefix(err.Error(), "audit: invalid: "))
			}
			res, err := c.AuditList(ctxOf(cmd), q)
			if err != nil {
				return err
			}
			if err := a.printAudit(cmd, res.Records); err != nil {
				return err
			}
			if res.Truncated {
				a.say("more records matched: showing the latest %d (narrow --since or raise --limit)", len(res.Records))
			}
			if res.Skipped > 0 {
				a.say("%d unreadable audit lines skipped (a torn last line after a crash)", res.Skipped)
			}
			if len(res.Missing) > 0 {
				var names []string
				for _, m := range res.Missing {
					names = append(names, m.Node+": "+m.Error)
				}
				return fmt.Errorf("records of %d node(s) are missing: %s", len(res.Missing), strings.Join(names, "; "))
			}
			return nil
		},
	}
	f := list.Flags()
	f.StringVar(&since, "since", "", "records from this time on: a duration back from now (1h, 7d), RFC 3339 or a date")
	f.StringVar(&until, "until", "", "records before this time (same forms as --since)")
	f.StringVar(&user, "user", "", "only this user's requests")
	f.StringVar(&key, "key", "", "only requests signed with this access key")
	f.StringVar(&repo, "repo", "", "only requests about this repo (ctx/repo, ctx/*, or a repo of the current context)")
	f.BoolVar(&refused, "refused", false, "only refused requests")
	f.IntVar(&limit, "limit", audit.DefaultLimit, fmt.Sprintf("at most this many records, the latest (1-%d)", audit.MaxLimit))
	addFormatFlag(list, fmtAudit)
	group.AddCommand(list)
	return group
}

// printAudit prints records as JSON lines (--output json) or rows.
func (a *app) printAudit(cmd *cobra.Command, recs []audit.Record) error {
	if a.output == "json" {
		enc := json.NewEncoder(a.out)
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	rows := make([]auditRowView, 0, len(recs))
	for _, r := range recs {
		rows = append(rows, auditRowView{
			Time: r.Time.UTC().Format("2006-01-02T15:04:05.000Z"), Node: r.Node, Surface: r.Surface, User: r.User,
			KeyID: r.KeyID, Source: r.Source, Method: r.Method, Action: r.Action, Target: targetText(r.Target),
			Code: r.Code, Status: r.Status, Authenticated: r.Authenticated, Refused: r.Refused,
		})
	}
	return a.printTable(cmd, rows, auditHeader, auditRow)
}

// targetText is a target in one word: ctx/repo, then what inside it.
func targetText(t audit.Target) string {
	var parts []string
	if t.Context != "" || t.Repo != "" {
		parts = append(parts, strings.TrimSuffix(t.Context+"/"+t.Repo, "/"))
	}
	for _, kv := range [][2]string{{"bundle", t.Bundle}, {"label", t.Label}, {"bucket", t.Bucket}, {"key", t.Key}, {"", t.Subject}} {
		switch {
		case kv[1] == "":
		case kv[0] == "":
			parts = append(parts, kv[1])
		default:
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	return strings.Join(parts, " ")
}

var errWhen = errors.New("want a duration back from now (90m, 24h, 7d), an RFC 3339 time or a date (2006-01-02)")

// parseWhen reads --since/--until: "" (unbounded), a duration back from
// now (Go syntax, or whole days "7d"), RFC 3339, or a date (UTC midnight).
func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 36500 {
			return time.Time{}, fmt.Errorf("%q: %w", s, errWhen)
		}
		return now.Add(-time.Duration(days) * 24 * time.Hour), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q: a negative duration: %w", s, errWhen)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: %w", s, errWhen)
}
