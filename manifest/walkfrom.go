package manifest

import (
	"context"
	"errors"
	"strings"
)

// WalkFrom is Walk starting at from: it calls fn for every entry whose path
// starts with prefix and is >= from, in path order, seeking straight to from
// (pages before it are not fetched). Use it to page through a prefix:
// pass the last path seen + "\x00" as from.
func (r *Reader) WalkFrom(ctx context.Context, prefix, from string, fn func(Entry) error) error {
	start := prefix
	if from > start {
		start = from
	}
	c := r.newCursor(beyondPrefix(prefix))
	if err := c.seek(ctx, start); err != nil {
		return err
	}
	for {
		e, ok, err := c.next(ctx)
		if err != nil {
			return err
		}
		if !ok || !strings.HasPrefix(e.Path, prefix) {
			return nil
		}
		if e.Path < start {
			continue
		}
		if err := fn(e); err != nil {
			if errors.Is(err, SkipAll) {
				return nil
			}
			return err
		}
	}
}
