// Command standin is a stand-in for `datamon node` used to test the jepsen
// harness on its own: it accepts the node flags, serves GET /healthz on
// --api, a single-node durable register store under /kv/ and an object store
// under /obj/. With JEPSEN_STANDIN_STALE=1 its reads are sometimes stale, so
// the checkers must fail.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

type store struct {
	mu    sync.Mutex
	dir   string
	kv    map[string]string
	prev  map[string]string
	stale bool
}

func (s *store) persist() error {
	b, _ := json.Marshal(s.kv)
	tmp := filepath.Join(s.dir, "kv.json.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	f.Close()
	return os.Rename(tmp, filepath.Join(s.dir, "kv.json"))
}

func (s *store) kvHandler(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/kv/")
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.kv[key]
	switch r.Method {
	case http.MethodGet:
		if p, has := s.prev[key]; s.stale && has && rand.IntN(3) == 0 {
			cur, ok = p, true
		}
		if !ok {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		io.WriteString(w, cur)
	case http.MethodPut:
		b, _ := io.ReadAll(r.Body)
		q := r.URL.Query()
		if q.Has("expect") && (!ok || cur != q.Get("expect")) || q.Has("create") && ok {
			http.Error(w, "precondition failed", http.StatusPreconditionFailed)
			return
		}
		if ok {
			s.prev[key] = cur
		}
		s.kv[key] = string(b)
		if err := s.persist(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}
}

func (s *store) objHandler(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/obj/")
	odir := filepath.Join(s.dir, "obj")
	switch {
	case r.Method == http.MethodGet && key == "":
		ents, _ := os.ReadDir(odir)
		var keys []string
		for _, e := range ents {
			k, _ := url.PathUnescape(e.Name())
			if strings.HasPrefix(k, r.URL.Query().Get("prefix")) && !strings.HasSuffix(k, ".tmp") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		_ = json.NewEncoder(w).Encode(keys)
	case r.Method == http.MethodGet:
		b, err := os.ReadFile(filepath.Join(odir, url.PathEscape(key)))
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Write(b)
	case r.Method == http.MethodPut:
		b, _ := io.ReadAll(r.Body)
		p := filepath.Join(odir, url.PathEscape(key))
		f, err := os.Create(p + ".tmp")
		if err == nil {
			_, err = f.Write(b)
			if err == nil {
				err = f.Sync()
			}
			f.Close()
		}
		if err == nil {
			err = os.Rename(p+".tmp", p)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}
}

func main() {
	if len(os.Args) < 2 || os.Args[1] != "node" {
		fmt.Fprintln(os.Stderr, "usage: standin node --api HOST:PORT --data-dir DIR ...")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("node", flag.ExitOnError)
	api := fs.String("api", "127.0.0.1:0", "")
	dir := fs.String("data-dir", ".", "")
	off := fs.Duration("test-clock-offset", 0, "")
	for _, f := range []string{"id", "site", "gossip", "rpc", "raft", "s3", "join", "bootstrap-expect", "ec", "auth-failures-per-source"} {
		fs.String(f, "", "")
	}
	fs.Bool("fast", false, "")
	_ = fs.Parse(os.Args[2:])
	s := &store{dir: *dir, kv: map[string]string{}, prev: map[string]string{}, stale: os.Getenv("JEPSEN_STANDIN_STALE") == "1"}
	_ = os.MkdirAll(filepath.Join(*dir, "obj"), 0o755)
	if b, err := os.ReadFile(filepath.Join(*dir, "kv.json")); err == nil {
		_ = json.Unmarshal(b, &s.kv)
	}
	fmt.Printf("standin up api=%s clock-offset=%v at %v\n", *api, *off, time.Now().Add(*off))
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/kv/", s.kvHandler)
	mux.HandleFunc("/obj/", s.objHandler)
	if err := http.ListenAndServe(*api, mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
