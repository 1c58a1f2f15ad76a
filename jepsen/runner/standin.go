package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
)

// BuildStandin compiles the stand-in node (testdata/standin, a tiny durable
// single-server KV + object store that accepts the `datamon node` flags) into
// dir and returns its path. It lets the harness be tested without the product.
func BuildStandin(ctx context.Context, dir string) (string, error) {
	_, file, _, _ := runtime.Caller(0)
	out := filepath.Join(dir, "standin")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./testdata/standin")
	cmd.Dir = filepath.Dir(file)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("runner: build standin: %w: %s", err, b)
	}
	return out, nil
}

// httpDo performs one request against a node API through env.Dial.
type standinHTTP struct {
	c    *http.Client
	base string
}

func newStandinHTTP(env WorkloadEnv, node int) standinHTTP {
	api := env.Cluster.Nodes()[node].Endpoints().API
	return standinHTTP{c: &http.Client{Transport: &http.Transport{DialContext: env.Dial}}, base: "http://" + api}
}

var errPrecondition = errors.New("precondition failed")

func (h standinHTTP) do(ctx context.Context, method, path string, body []byte) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	resp, err := h.c.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, resp.StatusCode, err
}

// StandinDefinite: a refused connection was never sent, so it definitely
// did not apply.
func StandinDefinite(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

type standinRegister struct{ standinHTTP }

func (s standinRegister) Get(ctx context.Context, key string) (string, bool, error) {
	b, code, err := s.do(ctx, http.MethodGet, "/kv/"+url.PathEscape(key), nil)
	switch {
	case err != nil:
		return "", false, err
	case code == http.StatusNotFound:
		return "", false, nil
	case code != http.StatusOK:
		return "", false, fmt.Errorf("get %s: http %d", key, code)
	}
	return string(b), true, nil
}

func (s standinRegister) put(ctx context.Context, path, value string) (bool, error) {
	_, code, err := s.do(ctx, http.MethodPut, path, []byte(value))
	switch {
	case err != nil:
		return false, err
	case code == http.StatusPreconditionFailed:
		return false, nil
	case code != http.StatusOK:
		return false, fmt.Errorf("put: http %d", code)
	}
	return true, nil
}

func (s standinRegister) Set(ctx context.Context, key, value string) error {
	_, err := s.put(ctx, "/kv/"+url.PathEscape(key), value)
	return err
}

func (s standinRegister) CAS(ctx context.Context, key, expect, value string) (bool, error) {
	return s.put(ctx, "/kv/"+url.PathEscape(key)+"?expect="+url.QueryEscape(expect), value)
}

func (s standinRegister) Create(ctx context.Context, key, value string) (bool, error) {
	return s.put(ctx, "/kv/"+url.PathEscape(key)+"?create=1", value)
}

type standinObjects struct{ standinHTTP }

func (s standinObjects) Put(ctx context.Context, key string, data []byte) error {
	_, code, err := s.do(ctx, http.MethodPut, "/obj/"+url.PathEscape(key), data)
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("put %s: http %d", key, code)
	}
	return err
}

func (s standinObjects) List(ctx context.Context, prefix string) ([]string, error) {
	b, code, err := s.do(ctx, http.MethodGet, "/obj/?prefix="+url.QueryEscape(prefix), nil)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("list: http %d", code)
	}
	var keys []string
	return keys, json.Unmarshal(b, &keys)
}

func (s standinObjects) Get(ctx context.Context, key string) ([]byte, error) {
	b, code, err := s.do(ctx, http.MethodGet, "/obj/"+url.PathEscape(key), nil)
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("get %s: http %d", key, code)
	}
	return b, err
}

// StandinRegistry returns "register" and "set" workloads that talk to the
// stand-in on node index node (a single server, so the history must check).
func StandinRegistry(node int) Registry {
	return Registry{
		"register": NewRegisterWorkload(RegisterWorkloadConfig{Definite: StandinDefinite,
			NewClient: func(env WorkloadEnv, _ int) RegisterClient {
				return standinRegister{newStandinHTTP(env, node)}
			}}),
		"set": NewSetWorkload(SetWorkloadConfig{Definite: StandinDefinite,
			NewClient: func(env WorkloadEnv, _ int) ObjectClient { return standinObjects{newStandinHTTP(env, node)} }}),
		"health": NewHealthWorkload(),
	}
}
