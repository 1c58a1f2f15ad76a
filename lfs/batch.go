package lfs

import (
	"context"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// batch answers POST …/objects/batch: per object, the actions the client
// must take (none for an upload the cluster already holds) or an error.
func (s *Server) batch(ctx context.Context, r *req) error {
	if err := s.authenticate(ctx, r); err != nil {
		return err
	}
	br, err := ParseBatchRequest(r.rc.Request.Body(), s.cfg.MaxBatchObjects)
	if err != nil {
		return err
	}
	want := model.PermRead
	if br.Operation == "upload" {
		want = model.PermWrite
	}
	// The grant first: a key without one learns nothing of which repos
	// exist (403 either way).
	if err := r.require(want); err != nil {
		return err
	}
	if err := s.requireRepo(ctx, r); err != nil {
		return err
	}
	// requireRepo read through the leader: stale reads from here on see
	// every object committed before the batch arrived.
	stale := s.cfg.Stale(ctx)
	out := BatchResponse{Transfer: "basic", HashAlgo: "sha256", Objects: make([]ObjectResult, 0, len(br.Objects))}
	for _, o := range br.Objects {
		res := ObjectResult{OID: o.OID, Size: o.Size}
		if e := checkObject(o, s.cfg.MaxObjectSize); e != nil {
			res.Error = e
			out.Objects = append(out.Objects, res)
			continue
		}
		cur, err := s.meta.GetLFSObject(stale, r.context, r.repo, o.OID)
		found := err == nil
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return fmt.Errorf("lfs: look up %s: %w", o.OID, err)
		}
		switch {
		case found && cur.Size != o.Size:
			res.Error = &ObjectError{Code: 422, Message: fmt.Sprintf("object %s is stored with size %d, not %d", o.OID, cur.Size, o.Size)}
		case br.Operation == "upload" && found:
			// Already stored: no actions, the client skips it.
		case br.Operation == "upload":
			res.Authenticated = true
			res.Actions = map[string]*Action{
				"upload": s.action(r, "upload", o, "objects/"+o.OID),
				"verify": s.action(r, "verify", o, "objects/verify"),
			}
		case !found:
			res.Error = &ObjectError{Code: 404, Message: fmt.Sprintf("object %s does not exist in %s/%s", o.OID, r.context, r.repo)}
		default:
			res.Authenticated = true
			res.Actions = map[string]*Action{"download": s.action(r, "download", o, "objects/"+o.OID)}
		}
		out.Objects = append(out.Objects, res)
	}
	s.reply(r.rc, fasthttp.StatusOK, out)
	return nil
}

// action is a signed transfer step. Upload and download hrefs point at
// Config.TransferHost's node when it names one, else (and verify always)
// at the node that answered the batch; any node accepts the token, every
// node derives the same key.
func (s *Server) action(r *req, op string, o ObjectSpec, rel string) *Action {
	now := s.cfg.Now()
	exp := now.Add(s.cfg.HrefTTL)
	g := transferGrant{Op: op, Context: r.context, Repo: r.repo, OID: o.OID,
		Size: o.Size, Key: r.key.ID, Exp: exp.Unix()}
	if r.bearer {
		// No key store knows a bearer principal: the token carries the
		// permission the verified JWT gave on this repo.
		g.Bearer, g.Perm = true, api.KeyPermission(r.key, r.context, r.repo)
	}
	host := string(r.rc.Host())
	if s.cfg.TransferHost != nil && op != "verify" {
		if h := s.cfg.TransferHost(o.OID); h != "" {
			host = h
		}
	}
	return &Action{
		Href:      baseURL(r, host) + rel,
		Header:    map[string]string{"Authorization": tokenScheme + signToken(s.cfg.HrefKey, g)},
		ExpiresIn: int64(s.cfg.HrefTTL.Seconds()),
		ExpiresAt: exp.UTC(),
	}
}

// baseURL is …/lfs/<context>/<repo>/ on host, in the request's scheme.
func baseURL(r *req, host string) string {
	scheme := "http"
	if r.rc.IsTLS() {
		scheme = "https"
	}
	return scheme + "://" + host + Prefix + r.context + "/" + r.repo + "/"
}

// verify answers POST …/objects/verify: 200 once the object is visible
// with the size the client uploaded.
func (s *Server) verify(ctx context.Context, r *req) error {
	var o ObjectSpec
	if err := decodeStrict(r.rc.Request.Body(), &o); err != nil {
		return err
	}
	if !model.ValidLFSOID(o.OID) {
		return fmt.Errorf("%w: invalid OID %q", ErrBadRequest, o.OID)
	}
	if _, _, err := s.transferAuth(ctx, r, "verify", o.OID, model.PermWrite); err != nil {
		return err
	}
	cur, err := s.meta.GetLFSObject(ctx, r.context, r.repo, o.OID)
	if err != nil {
		return err
	}
	if cur.Size != o.Size {
		return fmt.Errorf("%w: object %s has size %d, not %d", ErrMismatch, o.OID, cur.Size, o.Size)
	}
	s.reply(r.rc, fasthttp.StatusOK, o)
	return nil
}
