package raftmeta

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Completed multipart uploads are remembered for uploadDoneKeep (by the
// leader-stamped command time) so that a CompleteMultipartUpload resent
// after its answer was lost — S3 SDKs resend it; they cannot send a
// request ID — gets the first outcome (the object's ETag) instead of
// NoSuchUpload, and is never applied twice: the upload is gone, and the
// resend must name the same key and parts. After uploadDoneKeep a resend
// gets NoSuchUpload, as from S3 itself.
const uploadDoneKeep = 24 * time.Hour

// uploadDonePrune bounds how many expired records one completion deletes.
const uploadDonePrune = 64

type uploadDone struct {
	Path   string `json:"path"`
	Parts  []byte `json:"parts"` // sha256 of the completed part list
	At     int64  `json:"at"`    // unix ns (command time)
	Result []byte `json:"result"`
}

func uploadDoneKey(ctx, repo, id string) []byte { return join("P", ctx, repo, id) }

func uploadDoneAgeKey(at int64, ctx, repo, id string) []byte {
	return join("Pt", u64(uint64(at)), ctx, repo, id)
}

var uploadDoneAgePrefix = join("Pt", "")

func partsSum(parts []CompletePart) []byte {
	js, _ := json.Marshal(parts) // plain data
	s := sha256.Sum256(js)
	return s[:]
}

// uploadCompleted returns the result a completion of upload d.UploadID
// already had, if the same completion (key and parts) is remembered.
func (tx *txn) uploadCompleted(d *draftCmd) ([]byte, bool, error) {
	var rec uploadDone
	found, err := getJSON(tx.b, uploadDoneKey(d.Context, d.Repo, d.UploadID), &rec)
	if err != nil || !found || rec.Path != d.Path || string(rec.Parts) != string(partsSum(d.Parts)) {
		return nil, false, err
	}
	return rec.Result, true, nil
}

// rememberCompleted records a successful completion and forgets the
// oldest ones past uploadDoneKeep.
func (tx *txn) rememberCompleted(d *draftCmd, result []byte) error {
	at := tx.now.UnixNano()
	tx.putJSON(uploadDoneKey(d.Context, d.Repo, d.UploadID), uploadDone{Path: d.Path, Parts: partsSum(d.Parts), At: at, Result: result})
	_ = tx.b.Set(uploadDoneAgeKey(at, d.Context, d.Repo, d.UploadID), nil, nil)
	it, err := tx.b.NewIter(&pebble.IterOptions{LowerBound: uploadDoneAgePrefix, UpperBound: prefixEnd(uploadDoneAgePrefix)})
	if err != nil {
		return err
	}
	defer it.Close()
	limit := at - uploadDoneKeep.Nanoseconds()
	n := 0
	for ok := it.First(); ok && n < uploadDonePrune; ok = it.Next() {
		k := it.Key()
		rest := k[len(uploadDoneAgePrefix):]
		if int64(binary.BigEndian.Uint64(rest[:8])) >= limit {
			break
		}
		// rest[8:] is sep + ctx + sep + repo + sep + id.
		_ = tx.b.Delete(append([]byte("P"), rest[8:]...), nil)
		_ = tx.b.Delete(append([]byte(nil), k...), nil)
		n++
	}
	return nil
}
