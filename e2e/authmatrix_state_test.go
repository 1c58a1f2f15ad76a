package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
)

// amState is what the matrix reads back with the root key: one entry per
// read, so that a difference names what changed.
type amState map[string]string

// state reads the cluster's state with the root key on node 0: contexts,
// repos, and per default-context repo its bundles, labels and draft;
// users and keys; members; the presence of the test's chunks; and, per
// S3 bucket, its objects (ETags), uploads and the fixture uploads' parts.
// Volatile fields (member capacity and state) are left out, and so is the
// audit log, which records refused requests by design.
func (f *amFix) state() amState {
	f.t.Helper()
	s := amState{}
	get := func(path string) []byte {
		b := f.mustRoot("GET", path, nil)
		s[path] = string(b)
		return b
	}
	get("/v1/contexts")
	get("/v1/contexts/other/repos")
	var repos []struct{ Name string }
	if err := json.Unmarshal(get("/v1/contexts/default/repos"), &repos); err != nil {
		f.t.Fatal(err)
	}
	for _, r := range repos {
		p := "/v1/contexts/default/repos/" + r.Name
		get(p + "/bundles")
		get(p + "/labels")
		get(p + "/draft")
	}
	get("/v1/users")
	get("/v1/keys")
	get("/v1/contexts/default/runs") // pipeline runs (authmatrix_runs_test.go)
	var ms []api.MemberInfo
	if err := json.Unmarshal(f.mustRoot("GET", "/v1/cluster/members", nil), &ms); err != nil {
		f.t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID+"/"+m.Raft)
	}
	sort.Strings(ids)
	s["members"] = strings.Join(ids, ",")
	var has api.HasRequest
	for _, c := range f.chunks {
		id, err := chunk.ParseID(c)
		if err != nil {
			f.t.Fatal(err)
		}
		has.IDs = append(has.IDs, id)
	}
	s["chunks"] = string(f.mustRoot("POST", "/v1/chunks/has", jsonBody(has)))
	for _, b := range f.buckets {
		s["s3:"+b] = f.s3root("GET", "/"+b+"?list-type=2")
		s["s3:"+b+"?uploads"] = f.s3root("GET", "/"+b+"?uploads")
		st, _, tb := f.s3Send(0, f.root.s3(), "", "GET", "/"+b+"?tagging", nil, nil)
		if st/100 != 2 {
			tb = []byte(s3code(tb)) // NoSuchTagSet: the body carries a request ID
		}
		s["s3:"+b+"?tagging"] = fmt.Sprintf("%d %s", st, tb)
	}
	for _, k := range f.tagged {
		s["s3:tags:"+k] = f.s3root("GET", "/s3m/"+k+"?tagging")
	}
	for _, u := range f.uploads { // answered NoSuchUpload once completed or aborted
		st, _, b := f.s3Send(0, f.root.s3(), "", "GET", "/s3m/"+u[0]+"?uploadId="+url.QueryEscape(u[1]), nil, nil)
		if st/100 != 2 {
			b = []byte(s3code(b)) // error bodies carry a request ID
		}
		s["s3:parts:"+u[0]] = fmt.Sprintf("%d %s", st, b)
	}
	return s
}

// diff names the entries of a and b that differ.
func (a amState) diff(b amState) string {
	var out []string
	for k, v := range a {
		if b[k] != v {
			out = append(out, fmt.Sprintf("%s: %.300q → %.300q", k, v, b[k]))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%s: (none) → %.300q", k, v))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// s3Creds are SigV4 credentials (Session for temporary ones).
type s3Creds struct{ id, secret, session string }

// s3Send sends a path-style S3 request to node i, SigV4-signed with cr
// by aws-sdk-go-v2's signer (unsigned when cr.id is empty; bearer: an
// "Authorization: Bearer" request instead).
func (f *amFix) s3Send(i int, cr s3Creds, bearer string, method, path string, body []byte, hdr map[string]string) (int, string, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.c.Nodes[i].S3URL()+path, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	ph := s3sha(body)
	req.Header.Set("X-Amz-Content-Sha256", ph)
	switch {
	case bearer != "":
		req.Header.Set("Authorization", "Bearer "+bearer)
	case cr.id != "":
		err = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(),
			aws.Credentials{AccessKeyID: cr.id, SecretAccessKey: cr.secret, SessionToken: cr.session}, req, ph, "s3", "us-east-1", time.Now())
		if err != nil {
			f.t.Fatal(err)
		}
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, s3code(b), b
}

// s3root is a root-signed S3 request to node 0 that must succeed.
func (f *amFix) s3root(method, path string) string {
	f.t.Helper()
	st, _, b := f.s3Send(0, s3Creds{id: f.root.id, secret: f.root.secret}, "", method, path, nil, nil)
	if st/100 != 2 {
		f.t.Fatalf("root %s %s: %d %s", method, path, st, b)
	}
	return string(b)
}

func (k amKey) s3() s3Creds { return s3Creds{id: k.id, secret: k.secret} }
