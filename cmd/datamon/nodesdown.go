package main

import (
	"errors"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
)

// plainError strips the wrapping of errors the server wrote for people: a
// write refused because shard owners are down (model.ErrNodesDown) prints
// only the server's message (which node, why, what to do), not the
// transfer and API layers it passed through. Other errors pass through.
func plainError(err error) error {
	var ae *client.APIError
	if errors.Is(err, model.ErrNodesDown) && errors.As(err, &ae) && ae.Message != "" {
		return cliError{msg: ae.Message, err: err}
	}
	return err
}
