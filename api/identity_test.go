package api_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

var (
	keyIDForm  = regexp.MustCompile(`^DM[A-Z2-7]{18}$`)
	secretForm = regexp.MustCompile(`^[A-Za-z0-9]{40}$`)
)

// An admin manages users, keys and grants; the server makes IDs and
// secrets and shows a secret only in the create and rotate answers; a key
// made with a grant can do exactly what the grant says.
func TestIdentityRoutes(t *testing.T) {
	ctx := context.Background()
	n := newIdentNode(t, false)
	root := n.client(t, rootKey.ID, rootKey.Secret)
	for _, r := range []string{"r1", "r2"} {
		if _, err := root.CreateRepo(ctx, model.Repo{Context: "default", Name: r, Description: "d"}); err != nil {
			t.Fatal(err)
		}
	}
	u, err := root.CreateUser(ctx, "ada", "ada@example.com")
	if err != nil || u.Name != "ada" || u.Created.IsZero() {
		t.Fatalf("create user: %+v %v", u, err)
	}
	if _, err := root.CreateUser(ctx, "ada", ""); !errors.Is(err, model.ErrExists) {
		t.Fatalf("duplicate user: %v", err)
	}
	k, err := root.CreateKey(ctx, "ada", []string{"default/r1=read"})
	if err != nil {
		t.Fatal(err)
	}
	if !keyIDForm.MatchString(k.ID) || !secretForm.MatchString(k.Secret) || k.User != "ada" ||
		!slices.Equal(k.Grants, []string{"default/r1=read"}) || k.Contributor.Email != "ada@example.com" {
		t.Fatalf("created key %+v", k)
	}
	k2, err := root.CreateKey(ctx, "ada", nil)
	if err != nil || k2.ID == k.ID || k2.Secret == k.Secret || len(k2.Grants) != 0 {
		t.Fatalf("second key %+v %v (first %s)", k2, err, k.ID)
	}

	// Reads never show a secret.
	for _, path := range []string{"/v1/keys/" + k.ID, "/v1/keys", "/v1/keys?user=ada", "/v1/users/ada", "/v1/users"} {
		resp := n.rawAs(rootKey, "GET", path, "")
		body := string(resp.Body())
		if resp.StatusCode() != 200 || strings.Contains(body, k.Secret) || strings.Contains(body, "secret\"") {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode(), body)
		}
	}
	got, err := root.GetKey(ctx, k.ID)
	if err != nil || got.ID != k.ID || !slices.Equal(got.Grants, k.Grants) || got.Created.IsZero() {
		t.Fatalf("get key: %+v %v", got, err)
	}
	if ks, err := root.ListKeys(ctx, "ada"); err != nil || len(ks) != 2 {
		t.Fatalf("list ada's keys: %+v %v", ks, err)
	}
	if u, err := root.GetUser(ctx, "ada"); err != nil || !slices.Contains(u.Keys, k.ID) || len(u.Keys) != 2 {
		t.Fatalf("get user: %+v %v", u, err)
	}

	// The new key does what its grant allows, nothing more.
	ada := n.client(t, k.ID, k.Secret)
	if _, err := ada.GetRepo(ctx, "default", "r1"); err != nil {
		t.Fatalf("read r1 with the new key: %v", err)
	}
	if _, err := ada.GetRepo(ctx, "default", "r2"); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("read r2 without a grant: %v", err)
	}
	if _, err := ada.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r1", Message: "m"}, ""); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("write r1 with read: %v", err)
	}
	if info, err := root.AddGrant(ctx, k.ID, "default/r1=write"); err != nil || !slices.Equal(info.Grants, []string{"default/r1=write"}) {
		t.Fatalf("add grant: %+v %v", info, err)
	}
	b, err := ada.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r1", Message: "m"}, "")
	if err != nil {
		t.Fatalf("write r1 after the grant: %v", err)
	}
	if info, err := root.RemoveGrant(ctx, k.ID, "default/r1"); err != nil || len(info.Grants) != 0 {
		t.Fatalf("remove grant: %+v %v", info, err)
	}
	if _, err := root.RemoveGrant(ctx, k.ID, "default/r1"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("remove a grant twice: %v", err)
	}
	if _, err := ada.GetBundle(ctx, "default", "r1", b.ID); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("read after the grant was removed: %v", err)
	}

	// Rotation with no grace revokes the old secret at once.
	rk, err := root.RotateKey(ctx, k.ID, 0)
	if err != nil || rk.ID != k.ID || !secretForm.MatchString(rk.Secret) || rk.Secret == k.Secret {
		t.Fatalf("rotate: %+v %v", rk, err)
	}
	if _, err := ada.GetKey(ctx, k.ID); !errors.Is(err, model.ErrUnauthenticated) {
		t.Fatalf("old secret after rotate without grace: %v", err)
	}
	ada = n.client(t, k.ID, rk.Secret)
	if _, err := ada.GetKey(ctx, k.ID); err != nil {
		t.Fatalf("new secret: %v", err)
	}
	rk2, err := root.RotateKey(ctx, k.ID, time.Hour)
	if err != nil || rk2.OldSecretUntil.Before(time.Now().Add(59*time.Minute)) {
		t.Fatalf("rotate with grace: %+v %v", rk2, err)
	}
	full, _ := n.ids.GetAccessKey(ctx, k.ID)
	if full.Secret != rk2.Secret || full.OldSecret != rk.Secret {
		t.Fatalf("store after rotation with grace: secret %q old %q", full.Secret, full.OldSecret)
	}

	// Deletes: a key, then a user with its keys.
	if err := root.DeleteKey(ctx, k2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := root.GetKey(ctx, k2.ID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("deleted key: %v", err)
	}
	if err := root.DeleteKey(ctx, k2.ID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("delete a deleted key: %v", err)
	}
	if err := root.DeleteUser(ctx, "ada"); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		func() error { _, err := root.GetUser(ctx, "ada"); return err }(),
		func() error { _, err := root.GetKey(ctx, k.ID); return err }(),
		func() error { _, err := root.CreateKey(ctx, "ada", nil); return err }(),
		root.DeleteUser(ctx, "ada"),
	} {
		if !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("after deleting the user: %v, want ErrNotFound", err)
		}
	}
}

// A key that is not a cluster admin may read and rotate itself and read
// its own user; everything else is 403 before any lookup (a missing key
// is 403 too, not 404) and changes nothing.
func TestIdentitySelfService(t *testing.T) {
	ctx := context.Background()
	n := newIdentNode(t, true) // the Meta implements Identities
	root := n.client(t, rootKey.ID, rootKey.Secret)
	if _, err := root.CreateUser(ctx, "pipe", ""); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateKey(ctx, "pipe", []string{"default/*=write"})
	if err != nil {
		t.Fatal(err)
	}
	pipe := n.client(t, k.ID, k.Secret)
	if got, err := pipe.GetKey(ctx, k.ID); err != nil || got.ID != k.ID {
		t.Fatalf("get self: %+v %v", got, err)
	}
	if u, err := pipe.GetUser(ctx, "pipe"); err != nil || u.Name != "pipe" {
		t.Fatalf("get own user: %+v %v", u, err)
	}
	before := n.state(t)
	denied := map[string]error{}
	_, denied["create user"] = pipe.CreateUser(ctx, "x", "")
	_, denied["list users"] = pipe.ListUsers(ctx)
	_, denied["get other user"] = pipe.GetUser(ctx, "nobody")
	denied["delete user"] = pipe.DeleteUser(ctx, "pipe")
	_, denied["create key"] = pipe.CreateKey(ctx, "pipe", []string{"*=admin"})
	_, denied["list keys"] = pipe.ListKeys(ctx, "pipe")
	_, denied["get root key"] = pipe.GetKey(ctx, rootKey.ID)
	_, denied["get missing key"] = pipe.GetKey(ctx, "DMNOSUCHKEY")
	_, denied["rotate root"] = pipe.RotateKey(ctx, rootKey.ID, 0)
	denied["delete self"] = pipe.DeleteKey(ctx, k.ID)
	_, denied["grant self admin"] = pipe.AddGrant(ctx, k.ID, "*=admin")
	_, denied["drop own grant"] = pipe.RemoveGrant(ctx, k.ID, "default/*")
	writer := n.client(t, writeKey.ID, writeKey.Secret) // write on default/*: no cluster admin
	_, denied["writer list users"] = writer.ListUsers(ctx)
	for name, err := range denied {
		if !errors.Is(err, model.ErrPermission) {
			t.Errorf("%s: %v, want ErrPermission", name, err)
		}
	}
	if after := n.state(t); after != before {
		t.Fatalf("refused requests changed the store:\n%s\n%s", before, after)
	}

	// Rolling its own secret: the answer has the new one, which works.
	rk, err := pipe.RotateKey(ctx, k.ID, 10*time.Minute)
	if err != nil || rk.Secret == k.Secret || !secretForm.MatchString(rk.Secret) {
		t.Fatalf("self rotate: %+v %v", rk, err)
	}
	if _, err := n.client(t, k.ID, rk.Secret).GetKey(ctx, k.ID); err != nil {
		t.Fatalf("new secret after self rotate: %v", err)
	}
}

// Admin on "*" is a cluster admin: it manages identities, creates
// contexts and repos; it cannot delete its own key or user nor drop its own
// cluster grant (412, nothing changed).
func TestClusterAdminGrant(t *testing.T) {
	ctx := context.Background()
	n := newIdentNode(t, false)
	root := n.client(t, rootKey.ID, rootKey.Secret)
	if _, err := root.CreateUser(ctx, "ops", "ops@example.com"); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateKey(ctx, "ops", []string{"*=admin"})
	if err != nil {
		t.Fatal(err)
	}
	ops := n.client(t, k.ID, k.Secret)
	if _, err := ops.CreateUser(ctx, "bob", ""); err != nil {
		t.Fatalf("cluster admin creates a user: %v", err)
	}
	if _, err := ops.CreateContext(ctx, model.Context{Name: "c2"}); err != nil {
		t.Fatalf("cluster admin creates a context: %v", err)
	}
	if _, err := ops.CreateRepo(ctx, model.Repo{Context: "c2", Name: "r", Description: "d"}); err != nil {
		t.Fatalf("cluster admin creates a repo: %v", err)
	}
	before := n.state(t)
	for name, err := range map[string]error{
		"delete own key":      ops.DeleteKey(ctx, k.ID),
		"delete own user":     ops.DeleteUser(ctx, "ops"),
		"remove own * grant":  func() error { _, err := ops.RemoveGrant(ctx, k.ID, "*"); return err }(),
		"lower own * to read": func() error { _, err := ops.AddGrant(ctx, k.ID, "*=read"); return err }(),
	} {
		if !errors.Is(err, model.ErrPrecondition) {
			t.Errorf("%s: %v, want ErrPrecondition", name, err)
		}
	}
	if after := n.state(t); after != before {
		t.Fatalf("refused lockouts changed the store:\n%s\n%s", before, after)
	}
	if _, err := ops.AddGrant(ctx, k.ID, "c2/r=read"); err != nil {
		t.Fatalf("admin adds a grant to itself: %v", err)
	}
	if err := root.DeleteKey(ctx, k.ID); err != nil {
		t.Fatalf("another admin deletes it: %v", err)
	}
	// Read on "*" reads every repo of every context, and writes nothing.
	rk, err := root.CreateKey(ctx, "ops", []string{"*=read"})
	if err != nil {
		t.Fatal(err)
	}
	reader := n.client(t, rk.ID, rk.Secret)
	if _, err := reader.GetRepo(ctx, "c2", "r"); err != nil {
		t.Fatalf("read on *: %v", err)
	}
	if _, err := reader.CreateRepo(ctx, model.Repo{Context: "c2", Name: "r9", Description: "d"}); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("read on * creates a repo: %v", err)
	}
	if _, err := reader.ListUsers(ctx); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("read on * lists users: %v", err)
	}
}

// Bad input is 400 with a clear message and changes nothing.
func TestIdentityBadInput(t *testing.T) {
	ctx := context.Background()
	n := newIdentNode(t, false)
	root := n.client(t, rootKey.ID, rootKey.Secret)
	if _, err := root.CreateUser(ctx, "ada", ""); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateKey(ctx, "ada", nil)
	if err != nil {
		t.Fatal(err)
	}
	before := n.state(t)
	cases := []struct{ method, path, body, want string }{
		{"POST", "/v1/users", `{"name":"bad name"}`, "user name"},
		{"POST", "/v1/users", `{"name":".hidden"}`, "must not start"},
		{"POST", "/v1/users", `{"name":"ok","email":"Ada <a@b.c>"}`, "bare address"},
		{"POST", "/v1/users", `{"name":`, "request body"},
		{"POST", "/v1/keys", `{"user":"ada","grants":["default/r1"]}`, "scope=permission"},
		{"POST", "/v1/keys", `{"user":"ada","grants":["default/r1=owner"]}`, "read, write or admin"},
		{"POST", "/v1/keys", `{"user":"ada","grants":["r1=read"]}`, "context/repo"},
		{"POST", "/v1/keys", `{"user":"ada","grants":["default/r1=read","default/r1=write"]}`, "twice"},
		{"POST", "/v1/keys", `{"user":""}`, "user name is empty"},
		{"POST", "/v1/keys/" + k.ID + "/rotate", `{"grace":"-1s"}`, "want 0 to"},
		{"POST", "/v1/keys/" + k.ID + "/rotate", `{"grace":"721h"}`, "want 0 to"},
		{"POST", "/v1/keys/" + k.ID + "/rotate", `{"grace":"soon"}`, "grace"},
		{"POST", "/v1/keys/" + k.ID + "/grants", `{"grant":"default/bad_repo=read"}`, "repo name"},
		{"DELETE", "/v1/keys/" + k.ID + "/grants", "", "scope"},
		{"DELETE", "/v1/keys/" + k.ID + "/grants?scope=nocontext", "", "scope"},
		{"GET", "/v1/keys?user=bad%20name", "", "user name"},
	}
	for _, c := range cases {
		resp := n.rawAs(rootKey, c.method, c.path, c.body)
		if resp.StatusCode() != fasthttp.StatusBadRequest || !strings.Contains(string(resp.Body()), c.want) {
			t.Errorf("%s %s %s: %d %s; want 400 mentioning %q", c.method, c.path, c.body, resp.StatusCode(), resp.Body(), c.want)
		}
	}
	if after := n.state(t); after != before {
		t.Fatalf("bad input changed the store:\n%s\n%s", before, after)
	}
	// The client refuses paths that would address another route.
	for _, id := range []string{"", ".", "..", "a/b"} {
		if _, err := root.GetKey(ctx, id); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("GetKey(%q): %v", id, err)
		}
	}
}

// Without an identity store the routes answer 503 (Unavailable), after
// the permission check.
func TestIdentitiesAbsent(t *testing.T) {
	n := bareNode(newMemMeta(allKeys...))
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/users", ""}, {"POST", "/v1/users", `{"name":"ada"}`}, {"GET", "/v1/users/ada", ""},
		{"DELETE", "/v1/users/ada", ""}, {"POST", "/v1/keys", `{"user":"ada"}`}, {"GET", "/v1/keys", ""},
		{"GET", "/v1/keys/AKREAD", ""}, {"DELETE", "/v1/keys/AKREAD", ""},
		{"POST", "/v1/keys/AKREAD/rotate", `{}`}, {"POST", "/v1/keys/AKREAD/grants", `{"grant":"a/b=read"}`},
		{"DELETE", "/v1/keys/AKREAD/grants?scope=a/b", ""},
	} {
		resp := raw(n, signedReq(rootKey, c.method, c.path, []byte(c.body), []byte(c.body), time.Now()))
		if resp.StatusCode() != fasthttp.StatusServiceUnavailable || !strings.Contains(string(resp.Body()), api.CodeUnavailable) {
			t.Errorf("%s %s: %d %s, want 503", c.method, c.path, resp.StatusCode(), resp.Body())
		}
		if c.method == "GET" && c.path == "/v1/users" {
			if r := raw(n, signedReq(nogrant, c.method, c.path, nil, nil, time.Now())); r.StatusCode() != fasthttp.StatusForbidden {
				t.Errorf("no grant: %d, want 403", r.StatusCode())
			}
		}
	}
}
