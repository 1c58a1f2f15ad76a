package lfs

import (
	"fmt"
	"strconv"
	"time"

	"github.com/datamon-io/datamon/model"
)

// Owner names a lock's holder.
type Owner struct {
	Name string `json:"name"`
}

// Lock is a lock as the Git LFS locking API returns it.
type Lock struct {
	ID       string    `json:"id"`
	Path     string    `json:"path"`
	LockedAt time.Time `json:"locked_at"`
	Owner    *Owner    `json:"owner,omitempty"`
}

func wireLock(l model.LFSLock) Lock {
	return Lock{ID: l.ID, Path: l.Path, LockedAt: l.LockedAt.UTC(), Owner: &Owner{Name: l.Owner}}
}

// LockCreate is POST …/locks.
type LockCreate struct {
	Path string `json:"path"`
	Ref  *Ref   `json:"ref,omitempty"`
}

// LockVerify is POST …/locks/verify.
type LockVerify struct {
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Ref    *Ref   `json:"ref,omitempty"`
}

// Unlock is POST …/locks/:id/unlock.
type Unlock struct {
	Force bool `json:"force,omitempty"`
	Ref   *Ref `json:"ref,omitempty"`
}

// LockList answers GET …/locks.
type LockList struct {
	Locks      []Lock `json:"locks"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// VerifyList answers POST …/locks/verify.
type VerifyList struct {
	Ours       []Lock `json:"ours"`
	Theirs     []Lock `json:"theirs"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// LockAnswer wraps one lock (create, unlock, conflict).
type LockAnswer struct {
	Lock    *Lock  `json:"lock,omitempty"`
	Message string `json:"message,omitempty"`
}

// ParseLockCreate parses a lock request and checks its path.
func ParseLockCreate(b []byte) (LockCreate, error) {
	var r LockCreate
	if err := decodeStrict(b, &r); err != nil {
		return r, err
	}
	if err := model.ValidateLFSLockPath(r.Path); err != nil {
		return r, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	return r, nil
}

// ParseLockVerify parses a verify request (an empty body is an empty request).
func ParseLockVerify(b []byte, maxLimit int) (LockVerify, error) {
	var r LockVerify
	if len(b) > 0 {
		if err := decodeStrict(b, &r); err != nil {
			return r, err
		}
	}
	if err := checkPage(r.Cursor, r.Limit, maxLimit); err != nil {
		return r, err
	}
	return r, nil
}

// ParseUnlock parses an unlock request (an empty body is an empty request).
func ParseUnlock(b []byte) (Unlock, error) {
	var r Unlock
	if len(b) == 0 {
		return r, nil
	}
	return r, decodeStrict(b, &r)
}

// LockQuery is the query of GET …/locks.
type LockQuery struct {
	Path, ID, Cursor string
	Limit            int
}

// ParseLockQuery checks GET …/locks parameters (path, id, cursor, limit).
func ParseLockQuery(get func(string) string, maxLimit int) (LockQuery, error) {
	q := LockQuery{Path: get("path"), ID: get("id"), Cursor: get("cursor")}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return q, fmt.Errorf("%w: limit %q", ErrBadRequest, s)
		}
		q.Limit = n
	}
	if q.Path != "" {
		if err := model.ValidateLFSLockPath(q.Path); err != nil {
			return q, fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
	}
	if q.ID != "" && !validLockID(q.ID) {
		return q, fmt.Errorf("%w: lock id %q", ErrBadRequest, q.ID)
	}
	return q, checkPage(q.Cursor, q.Limit, maxLimit)
}

func checkPage(cursor string, limit, maxLimit int) error {
	if limit < 0 || limit > maxLimit {
		return fmt.Errorf("%w: limit %d (0 to %d)", ErrBadRequest, limit, maxLimit)
	}
	if cursor != "" && !validLockID(cursor) {
		return fmt.Errorf("%w: cursor %q", ErrBadRequest, cursor)
	}
	return nil
}

// validLockID: lock IDs are 16 lowercase hex digits (the Raft index).
func validLockID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
