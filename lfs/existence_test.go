package lfs_test

import (
	"strings"
	"testing"
)

// A key without a grant on a repo gets 403 whether or not the repo
// exists: the permission is checked before the repo is looked up, so
// LFS tells it nothing about other repos. A key with the grant (root)
// still learns that a repo is missing (404).
func TestNoGrantLearnsNothingOfRepos(t *testing.T) {
	e := newEnv(t)
	missing := strings.TrimSuffix(e.url, "/games") + "/nosuch"
	reader := basic("reader", "reader-secret")
	for _, c := range []struct {
		name, method, url, auth, body string
		want                          int
	}{
		{"batch download, missing repo", "POST", missing + "/objects/batch", reader, `{"operation":"download","objects":[]}`, 403},
		{"lock list, missing repo", "GET", missing + "/locks", reader, "", 403},
		{"lock create, missing repo", "POST", missing + "/locks", reader, `{"path":"a.bin"}`, 403},
		{"lock create, existing repo", "POST", e.url + "/locks", reader, `{"path":"a.bin"}`, 403},
		{"batch download, missing repo, root", "POST", missing + "/objects/batch", basic(rootID, rootSecret), `{"operation":"download","objects":[]}`, 404},
	} {
		if st, b := e.do(c.method, c.url, c.auth, []byte(c.body)); st != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, st, b, c.want)
		}
	}
}
