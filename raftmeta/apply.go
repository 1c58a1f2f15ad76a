package raftmeta

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/model"
)

// txn is one command being applied: an indexed batch (reads see the
// command's own writes), the log index and the stamped time.
type txn struct {
	b             *pebble.Batch
	index         uint64
	data          []byte
	now           time.Time
	layoutChanged bool
}

func (tx *txn) exec(c *command) ([]byte, error) {
	switch c.Op {
	case opInit:
		return tx.init(c)
	case opCreateContext:
		return tx.createContext(*c.Context)
	case opCreateRepo:
		return tx.createRepo(*c.Repo)
	case opDeleteRepo:
		return tx.deleteRepo(*c.Ref)
	case opCommitBundle:
		return tx.commitBundle(*c.Bundle, c.Label)
	case opSetLabel:
		return tx.setLabel(*c.Label)
	case opPutAccessKey:
		return tx.putAccessKey(*c.Key)
	case opLayoutAdd:
		return tx.layoutAdd(c.Nodes)
	case opLayoutRemove:
		return tx.layoutRemove(c.NodeID)
	case opSetPolicy:
		return tx.setPolicy(*c.Policy)
	case opRetireLayouts:
		return tx.retireLayouts(c.UpTo)
	case opSquash:
		return tx.squash(*c.Squash) // squash.go
	case opRenameRepo: // rename.go
		return tx.renameRepo(*c.Rename)
	case opSwapManifests: // delete_files.go
		return tx.swapManifests(*c.Swap)
	}
	if out, ok, err := tx.execIdentity(c); ok { // identity_fsm.go
		return out, err
	}
	if isDraftOp(c.Op) { // S3 draft / multipart ops (draft_fsm.go)
		return tx.execDraft(c.Op, c.Draft)
	}
	if out, ok, err := tx.execDurability(c); ok {
		return out, err
	}
	if out, ok, err := tx.execLFS(c); ok { // lfs.go
		return out, err
	}
	if out, ok, err := tx.execRun(c); ok { // runs_fsm.go
		return out, err
	}
	if out, ok, err := tx.execRepoS3(c); ok { // repo_s3.go
		return out, err
	}
	return nil, fmt.Errorf("%w: unknown op %q", ErrBadCommand, c.Op)
}

func (tx *txn) putJSON(key []byte, v any) []byte {
	js, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("raftmeta: marshal %T: %v", v, err)) // plain data types never fail
	}
	_ = tx.b.Set(key, js, nil)
	return js
}

func (tx *txn) exists(key []byte) (bool, error) {
	_, closer, err := tx.b.Get(key)
	if err == pebble.ErrNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	closer.Close()
	return true, nil
}

func (tx *txn) createContext(c model.Context) ([]byte, error) {
	if err := model.ValidateContextName(c.Name); err != nil {
		return nil, err
	}
	if ok, err := tx.exists(contextKey(c.Name)); err != nil || ok {
		return nil, orErr(err, fmt.Errorf("%w: context %q", model.ErrExists, c.Name))
	}
	c.Timestamp = tx.now
	return tx.putJSON(contextKey(c.Name), c), nil
}

func (tx *txn) requireRepo(ctx, repo string) error {
	ok, err := tx.exists(repoKey(ctx, repo))
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: repo %s/%s", model.ErrNotFound, ctx, repo)
	}
	return nil
}

func (tx *txn) createRepo(r model.Repo) ([]byte, error) {
	if err := model.ValidateRepo(r); err != nil {
		return nil, err
	}
	ok, err := tx.exists(contextKey(r.Context))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: context %q", model.ErrNotFound, r.Context)
	}
	if ok, err := tx.exists(repoKey(r.Context, r.Name)); err != nil || ok {
		return nil, orErr(err, fmt.Errorf("%w: repo %s/%s", model.ErrExists, r.Context, r.Name))
	}
	r.Timestamp = tx.now
	return tx.putJSON(repoKey(r.Context, r.Name), r), nil
}

func (tx *txn) deleteRepo(ref repoRef) ([]byte, error) {
	if err := tx.requireRepo(ref.Context, ref.Name); err != nil {
		return nil, err
	}
	for _, p := range [][]byte{
		bundlesPrefix(ref.Context, ref.Name),
		labelsPrefix(ref.Context, ref.Name),
		repoHistoryPrefix(ref.Context, ref.Name),
		draftPrefix(ref.Context, ref.Name), // S3 draft, uploads, parts (draft_fsm.go)
		uploadsPrefix(ref.Context, ref.Name),
		repoPartsPrefix(ref.Context, ref.Name),
		lfsObjectsPrefix(ref.Context, ref.Name), // LFS objects and locks (lfs_reads.go)
		lfsLocksPrefix(ref.Context, ref.Name),
		lfsPathsPrefix(ref.Context, ref.Name),
	} {
		_ = tx.b.DeleteRange(p, prefixEnd(p), nil)
	}
	_ = tx.b.Delete(repoKey(ref.Context, ref.Name), nil)
	_ = tx.b.Delete(draftSummaryKey(ref.Context, ref.Name), nil) // S3 draft summary
	return nil, nil
}

func (tx *txn) commitBundle(b model.Bundle, ls *model.LabelSet) ([]byte, error) {
	if err := model.ValidateContextName(b.Context); err != nil {
		return nil, err
	}
	if err := model.ValidateRepoName(b.Repo); err != nil {
		return nil, err
	}
	if b.Message == "" {
		return nil, fmt.Errorf("%w: bundle needs a message", model.ErrInvalid)
	}
	if err := tx.requireRepo(b.Context, b.Repo); err != nil {
		return nil, err
	}
	if ls != nil && ls.AsParent {
		if err := tx.labelAsParent(&b, ls.Name); err != nil {
			return nil, err
		}
	}
	for _, p := range b.Parents {
		ok, err := tx.exists(bundleKey(b.Context, b.Repo, p))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: parent bundle %q in %s/%s", model.ErrNotFound, p, b.Context, b.Repo)
		}
	}
	b.ID = bundleID(tx.now.Unix(), tx.index, tx.data)
	b.Timestamp = tx.now
	js := tx.putJSON(bundleKey(b.Context, b.Repo, b.ID), b)
	if ls != nil {
		s := *ls
		if s.Context == "" {
			s.Context = b.Context
		}
		if s.Repo == "" {
			s.Repo = b.Repo
		}
		if s.Context != b.Context || s.Repo != b.Repo {
			return nil, fmt.Errorf("%w: label %q is for %s/%s, bundle for %s/%s",
				model.ErrInvalid, s.Name, s.Context, s.Repo, b.Context, b.Repo)
		}
		s.BundleID = b.ID
		if _, err := tx.setLabel(s); err != nil {
			return nil, err
		}
	}
	if b.Run != "" { // the producing run gets the bundle as an output (runs_fsm.go)
		label := ""
		if ls != nil {
			label = ls.Name
		}
		if err := tx.attachOutput(b, label); err != nil {
			return nil, err
		}
	}
	return js, nil
}

// labelAsParent adds the bundle label points at (if it exists) to b's
// parents, unless it is one already.
func (tx *txn) labelAsParent(b *model.Bundle, label string) error {
	if err := model.ValidateLabelName(label); err != nil {
		return err
	}
	var cur model.Label
	found, err := getJSON(tx.b, labelKey(b.Context, b.Repo, label), &cur)
	if err != nil || !found {
		return err
	}
	for _, p := range b.Parents {
		if p == cur.BundleID {
			return nil
		}
	}
	b.Parents = append([]string{cur.BundleID}, b.Parents...)
	return nil
}

func (tx *txn) setLabel(s model.LabelSet) ([]byte, error) {
	if err := model.ValidateLabelSet(s); err != nil {
		return nil, err
	}
	if err := tx.requireRepo(s.Context, s.Repo); err != nil {
		return nil, err
	}
	ok, err := tx.exists(bundleKey(s.Context, s.Repo, s.BundleID))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: bundle %q in %s/%s", model.ErrNotFound, s.BundleID, s.Context, s.Repo)
	}
	var cur model.Label
	found, err := getJSON(tx.b, labelKey(s.Context, s.Repo, s.Name), &cur)
	if err != nil {
		return nil, err
	}
	switch {
	case s.IfNotExists && found:
		return nil, fmt.Errorf("%w: label %q exists (points at %s)", model.ErrPrecondition, s.Name, cur.BundleID)
	case s.IfMatch != "" && !found:
		return nil, fmt.Errorf("%w: label %q does not exist, want %s", model.ErrPrecondition, s.Name, s.IfMatch)
	case s.IfMatch != "" && cur.BundleID != s.IfMatch:
		return nil, fmt.Errorf("%w: label %q points at %s, want %s", model.ErrPrecondition, s.Name, cur.BundleID, s.IfMatch)
	}
	l := model.Label{Context: s.Context, Repo: s.Repo, Name: s.Name, BundleID: s.BundleID,
		Timestamp: tx.now, Contributor: s.Contributor}
	mv := model.LabelMove{Name: s.Name, To: s.BundleID, Timestamp: tx.now, Contributor: s.Contributor}
	if found {
		mv.From = cur.BundleID
	}
	tx.putJSON(historyKey(s.Context, s.Repo, s.Name, tx.index), mv)
	return tx.putJSON(labelKey(s.Context, s.Repo, s.Name), l), nil
}

func (tx *txn) putAccessKey(k model.AccessKey) ([]byte, error) {
	if err := validateAccessKey(k); err != nil {
		return nil, err
	}
	var prev model.AccessKey
	had, err := getJSON(tx.b, accessKeyKey(k.ID), &prev)
	if err != nil {
		return nil, err
	}
	if k.User != "" {
		var u model.User
		if ok, err := getJSON(tx.b, userKey(k.User), &u); err != nil || !ok {
			return nil, orErr(err, fmt.Errorf("%w: user %q", model.ErrNotFound, k.User))
		}
		k.Contributor = u.Contributor() // identity_fsm.go
	}
	// Secret generations (authstamp.go): a replaced secret is a new one.
	k.SecretGen, k.OldSecretGen = tx.index, 0
	if had && prev.Secret == k.Secret {
		k.SecretGen = prev.SecretGen
	}
	switch {
	case had && k.OldSecret != "" && k.OldSecret == prev.OldSecret:
		k.OldSecretGen = prev.OldSecretGen
	case had && k.OldSecret != "" && k.OldSecret == prev.Secret:
		k.OldSecretGen = prev.SecretGen
	}
	if had && prev.User != "" && prev.User != k.User {
		_ = tx.b.Delete(userKeyIndex(prev.User, k.ID), nil)
	}
	if k.User != "" {
		_ = tx.b.Set(userKeyIndex(k.User, k.ID), nil, nil)
	}
	tx.putJSON(accessKeyKey(k.ID), k)
	return nil, nil
}

func validateAccessKey(k model.AccessKey) error {
	if k.ID == "" || len(k.ID) > 256 || k.Secret == "" {
		return fmt.Errorf("%w: access key needs an id (<= 256 bytes) and a secret", model.ErrInvalid)
	}
	for _, r := range k.ID {
		if r < 0x21 || r == 0x7f {
			return fmt.Errorf("%w: access key id %q has control or space characters", model.ErrInvalid, k.ID)
		}
	}
	return nil
}

func orErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
