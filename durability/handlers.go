package durability

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/datamon-io/datamon/layout"
)

// Internal RPC paths the node registers on its peer server (see Handlers).
const (
	pathStatus  = "/internal/durability/status"
	pathGCFence = "/internal/durability/gc-fence"
	pathGCSweep = "/internal/durability/gc-sweep"
)

// Handler serves one internal call: request body in, reply body out.
type Handler func(ctx context.Context, body []byte) ([]byte, error)

// Handlers returns the internal RPC handlers by path; the node registers
// each on its signed peer server, and Peers.Call reaches them.
func (s *Service) Handlers() map[string]Handler {
	return map[string]Handler{
		pathStatus: func(context.Context, []byte) ([]byte, error) {
			return json.Marshal(s.LocalStatus())
		},
		pathGCFence: s.gcFence,
		pathGCSweep: s.gcSweep,
	}
}

// callJSON calls path on node n (locally without RPC for the own node).
func (s *Service) callJSON(ctx context.Context, n layout.NodeID, path string, req, reply any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	var out []byte
	if n == s.self {
		h, ok := s.Handlers()[path]
		if !ok {
			return fmt.Errorf("%w: no handler %s", ErrBadRequest, path)
		}
		out, err = h(ctx, body)
	} else {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		out, err = s.peers.Call(cctx, n, path, body)
		cancel()
	}
	if err != nil {
		return fmt.Errorf("durability: %s on %s: %w", path, n, err)
	}
	if err := json.Unmarshal(out, reply); err != nil {
		return fmt.Errorf("durability: %s on %s: decode: %w", path, n, err)
	}
	return nil
}
