package datamon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/client"
)

func TestPoolValuesUniquePerKey(t *testing.T) {
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = fmt.Sprintf("b%02d", i)
	}
	p := &pool{ids: ids, next: map[string]int{}}
	for _, key := range []string{"k00", "k01"} {
		seen := map[string]bool{}
		for range len(ids) {
			v := p.value(key, 0, 0)
			if seen[v] {
				t.Fatalf("%s: value %s repeated before the pool wrapped", key, v)
			}
			seen[v] = true
		}
	}
}

func TestDefinite(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("%w: x", errNotSent), true},
		{&client.APIError{Status: 412, Code: "Precondition"}, true},
		{&client.APIError{Status: 404}, true},
		{&client.APIError{Status: 408}, false},
		{&client.APIError{Status: 503}, false},
		{&client.APIError{Status: 503, Code: "Unavailable"}, false},
		{fmt.Errorf("x: %w", &client.APIError{Status: 503, Code: "NotServing"}), true},
		{errors.New("fasthttp: timeout"), false},
		{&s3Error{Status: 403}, false}, // Definite is the API's; S3 has s3Definite
	} {
		if got := Definite(c.err); got != c.want {
			t.Errorf("Definite(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if !s3Definite(&s3Error{Status: 403}) || s3Definite(&s3Error{Status: 500}) || !s3Definite(fmt.Errorf("%w", errNotSent)) ||
		s3Definite(&s3Error{Status: 503, Body: "<Error><Code>SlowDown</Code></Error>"}) ||
		!s3Definite(&s3Error{Status: 503, Body: "<Error><Code>ServiceUnavailable</Code></Error>"}) {
		t.Error("s3Definite misclassifies")
	}
}

// A caller fails over past a node that refuses connections (nothing sent),
// but not past one that took the request and then failed.
func TestCallerFailover(t *testing.T) {
	var d net.Dialer
	refused := func() string { // a port nobody listens on
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		a := ln.Addr().String()
		ln.Close()
		return a
	}()
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"name":"l","bundle_id":"B"}`))
	}))
	defer good.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"code":"Unavailable","message":"no leader"}}`, http.StatusServiceUnavailable)
	}))
	defer broken.Close()
	host := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }
	ctx := context.Background()

	r := labelRegister{c: newCaller(d.DialContext, []string{refused, host(good)}, 0, time.Second), ctxN: "default", repo: "r"}
	v, found, err := r.Get(ctx, "l")
	if err != nil || !found || v != "B" {
		t.Fatalf("failover past a refusing node: %q %v %v", v, found, err)
	}
	r = labelRegister{c: newCaller(d.DialContext, []string{host(broken), host(good)}, 0, time.Second), ctxN: "default", repo: "r"}
	err = r.Set(ctx, "l", "B")
	if err == nil || Definite(err) || !errors.Is(err, client.ErrUnavailable) {
		t.Fatalf("a 503 after sending must be indeterminate and not failed over: %v", err)
	}
	// A node that refused unprocessed (503 NotServing) is failed over.
	wiped := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"code":"NotServing","message":"no metadata applied yet"}}`, http.StatusServiceUnavailable)
	}))
	defer wiped.Close()
	r = labelRegister{c: newCaller(d.DialContext, []string{host(wiped), host(good)}, 0, time.Second), ctxN: "default", repo: "r"}
	if err := r.Set(ctx, "l", "B"); err != nil {
		t.Fatalf("failover past a not-serving node: %v", err)
	}
	r = labelRegister{c: newCaller(d.DialContext, []string{host(wiped), host(wiped)}, 0, time.Second), ctxN: "default", repo: "r"}
	if err := r.Set(ctx, "l", "B"); !Definite(err) {
		t.Fatalf("refused unprocessed everywhere must be definite: %v", err)
	}
	r = labelRegister{c: newCaller(d.DialContext, []string{refused, refused}, 0, time.Second), ctxN: "default", repo: "r"}
	if err := r.Set(ctx, "l", "B"); !Definite(err) {
		t.Fatalf("nothing sent anywhere must be definite: %v", err)
	}
}

// members is the configuration of the node leading in the highest term.
func TestMembers(t *testing.T) {
	sts := map[string]client.Status{
		"n1": {NodeID: "n1", LeaderID: "n1", Term: 3, Voters: []string{"n1", "n3"}, NonVoters: []string{"n6"}},
		"n2": {NodeID: "n2", LeaderID: "n2", Term: 5, Voters: []string{"n2", "n3", "n4"}, NonVoters: []string{"n6"}},
		"n3": {NodeID: "n3", LeaderID: "n2", Term: 5},
	}
	m := members(sts)
	if len(m) != 4 || !m["n2"] || !m["n6"] || m["n1"] {
		t.Fatalf("members = %v", m)
	}
	if members(map[string]client.Status{"n1": {NodeID: "n1", LeaderID: "n2"}}) != nil {
		t.Fatal("no node leads: want nil")
	}
}

// The durability verdict: only an fsck with nothing lost, degraded,
// misplaced or unreadable is healthy.
func TestFsckHealthy(t *testing.T) {
	good := client.FsckReport{Bundles: 3, Chunks: 10, Healthy: 10}
	if ok, why := fsckHealthy(good, true); !ok {
		t.Fatalf("healthy report rejected: %s", why)
	}
	for name, c := range map[string]struct {
		rep client.FsckReport
		ok  bool
	}{
		"not ok":     {good, false},
		"lost":       {client.FsckReport{Chunks: 10, Healthy: 9, Lost: 1}, false},
		"degraded":   {client.FsckReport{Chunks: 10, Healthy: 9, Degraded: 1}, true},
		"misplaced":  {client.FsckReport{Chunks: 10, Healthy: 9, Misplaced: 1}, true},
		"unreadable": {client.FsckReport{Chunks: 10, Healthy: 10, Unreadable: []string{"b1"}}, true},
		"uncounted":  {client.FsckReport{Chunks: 10, Healthy: 8}, true},
	} {
		if ok, why := fsckHealthy(c.rep, c.ok); ok || why == "" {
			t.Errorf("%s: accepted as healthy", name)
		}
	}
}

// A request whose dial outlives the operation's ctx is still sent once the
// dial completes (the product client returns on ctx, its request goes on):
// the caller must not call that failure definite. The first CI failure of
// datamon-partitions (failed-visible) was this.
func TestCallerCtxEndIsIndeterminate(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Method + " " + r.URL.Path
		_, _ = w.Write([]byte(`{"name":"l","bundle_id":"B"}`))
	}))
	defer srv.Close()
	release, dialling := make(chan struct{}), make(chan struct{}, 2)
	var d net.Dialer
	slow := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialling <- struct{}{}
		<-release // the dial finishes only after the op's ctx has ended
		return d.DialContext(context.Background(), network, addr)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx, cancel := context.WithCancel(context.Background())
	r := labelRegister{c: newCaller(slow, []string{host, host}, 0, 5*time.Second), ctxN: "default", repo: "r"}
	errc := make(chan error, 1)
	go func() { errc <- r.Set(ctx, "l", "B") }()
	<-dialling
	cancel()
	err := <-errc
	close(release)
	if err == nil || Definite(err) {
		t.Fatalf("a request abandoned on ctx end must be indeterminate: %v", err)
	}
	select {
	case m := <-got:
		t.Logf("the abandoned request arrived after all: %s", m)
	case <-time.After(10 * time.Second):
		t.Fatal("the abandoned request never arrived (the test no longer shows the race)")
	}
}
