package datamon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/jepsen/runner"
)

// Root credentials of runner.DefaultNodeEnv.
const (
	rootAccessKey = "JEPSENROOTKEY0000001"
	rootSecretKey = "jepsen-root-secret-key-0123456789abcdef"
)

// errNotSent marks an operation no byte of which reached any node: it
// definitely did not apply.
var errNotSent = errors.New("datamon: request never sent")

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// sentConn records that a request was (possibly) sent on it.
type sentConn struct {
	net.Conn
	sent *atomic.Bool
}

func (c sentConn) Write(b []byte) (int, error) {
	c.sent.Store(true)
	return c.Conn.Write(b)
}

// caller is one process's view of the cluster: a client per node, its own
// node first. It is used by one goroutine at a time.
type caller struct {
	clients []*client.Client
	nodes   []string
	sent    atomic.Bool
}

// newCaller returns a caller whose clients start at node first.
func newCaller(dial dialFunc, apis []string, first int, timeout time.Duration) *caller {
	c := &caller{}
	for i := range apis {
		api := apis[(first+i)%len(apis)]
		cl, err := client.New(client.Config{
			Endpoints: []string{"http://" + api}, AccessKey: rootAccessKey, SecretKey: rootSecretKey,
			Timeout: timeout, Retries: -1,
			Dial: func(addr string) (net.Conn, error) {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				conn, err := dial(ctx, "tcp", addr)
				if err != nil {
					return nil, err
				}
				return sentConn{Conn: conn, sent: &c.sent}, nil
			},
		})
		if err != nil {
			panic(fmt.Sprintf("datamon: client config: %v", err)) // static config: a programming error
		}
		c.clients = append(c.clients, cl)
		c.nodes = append(c.nodes, api)
	}
	return c
}

// try runs fn against each node in turn until one call was (possibly) sent
// and processed; it returns that call's error, or errNotSent when no node
// was reached or every node reached refused it unprocessed (notServing).
func (c *caller) try(ctx context.Context, fn func(*client.Client) error) error {
	var errs []error
	for i, cl := range c.clients {
		c.sent.Store(false)
		err := fn(cl)
		if err == nil || (c.sent.Load() && !notServing(err)) {
			return err
		}
		if ctx.Err() != nil {
			// The product client returns as soon as ctx ends, while its
			// request may still be dialling or writing in the background
			// and reach the node later: its fate is unknown.
			return maybeApplied{fmt.Errorf("%s: %w", c.nodes[i], err)}
		}
		errs = append(errs, fmt.Errorf("%s: %w", c.nodes[i], err))
	}
	return fmt.Errorf("%w: %w", errNotSent, errors.Join(errs...))
}

// trier runs one operation against the cluster (caller: the harness's
// own failover; retrier: the product client's).
type trier interface {
	try(ctx context.Context, fn func(*client.Client) error) error
}

// retrier runs each operation through one product client that knows every
// node (its own first) with the client's own failover and retries on
// (client.DefaultConfig().Retries): what a user's program gets. Whatever the
// client returned, only a 4xx answer is taken as "not applied" — the client
// may have resent the request after an attempt whose fate it could not know,
// and the suite checks exactly what the client claims with a 4xx (e.g. a
// conditional move's ErrPrecondition). Every other error is maybeApplied.
type retrier struct{ cl *client.Client }

func newRetrier(dial dialFunc, apis []string, first int, timeout time.Duration) retrier {
	rotated := append(append([]string(nil), apis[first%len(apis):]...), apis[:first%len(apis)]...)
	cl, err := failoverClient(dial, rotated, timeout, 0)
	if err != nil {
		panic(fmt.Sprintf("datamon: client config: %v", err)) // static config: a programming error
	}
	return retrier{cl: cl}
}

func (r retrier) try(_ context.Context, fn func(*client.Client) error) error {
	err := fn(r.cl)
	if err == nil || definite4xx(err) {
		return err
	}
	return maybeApplied{err}
}

// maybeApplied marks an error after which the operation may have applied,
// whatever the error itself says.
type maybeApplied struct{ err error }

func (m maybeApplied) Error() string { return m.err.Error() }
func (m maybeApplied) Unwrap() error { return m.err }

// Definite reports whether err means the operation definitely did not
// apply: nothing was sent, or the server refused it with a 4xx.
func Definite(err error) bool {
	var m maybeApplied
	if errors.As(err, &m) {
		return false
	}
	if errors.Is(err, errNotSent) || notServing(err) {
		return true
	}
	return definite4xx(err)
}

// definite4xx: the server answered with a 4xx (other than 408 and 429).
func definite4xx(err error) bool {
	var ae *client.APIError
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 &&
		ae.Status != http.StatusRequestTimeout && ae.Status != http.StatusTooManyRequests
}

// notServing reports whether a node refused the request before processing
// any of it because it holds no applied cluster metadata (a removed and
// wiped node; product: node/keys.go): API 503 code NotServing, S3 503
// ServiceUnavailable. The request definitely did not apply there, so the
// caller tries the next node, as when nothing was sent.
func notServing(err error) bool {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusServiceUnavailable && ae.Code == api.CodeNotServing
	}
	var se *s3Error
	if errors.As(err, &se) {
		return se.Status == http.StatusServiceUnavailable && strings.Contains(se.Body, "<Code>ServiceUnavailable</Code>")
	}
	return false
}

// apis lists the nodes' API addresses.
func apis(c runner.Cluster) []string {
	var out []string
	for _, n := range c.Nodes() {
		out = append(out, n.Endpoints().API)
	}
	return out
}

// setupClient is a failover client with retries for setup steps that are
// not part of any history.
func setupClient(dial dialFunc, apis []string) (*client.Client, error) {
	return failoverClient(dial, apis, 5*time.Second, 10)
}

// failoverClient is a product client over every node in apis (in that
// order) with its own failover and retries (0: client.DefaultConfig's).
func failoverClient(dial dialFunc, apis []string, timeout time.Duration, retries int) (*client.Client, error) {
	eps := make([]string, len(apis))
	for i, a := range apis {
		eps[i] = "http://" + a
	}
	return client.New(client.Config{Endpoints: eps, AccessKey: rootAccessKey, SecretKey: rootSecretKey,
		Timeout: timeout, Retries: retries,
		Dial: func(addr string) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			return dial(ctx, "tcp", addr)
		}})
}
