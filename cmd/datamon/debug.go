package main

import (
	"fmt"
	"io"
	"os"

	"github.com/datamon-io/datamon/chunk"
	"github.com/spf13/cobra"
)

// maxDebugChunk is the largest chunk `debug chunk put` sends.
const maxDebugChunk = 16 << 20

func (a *app) debugCmd() *cobra.Command {
	dbg := &cobra.Command{Use: "debug", Short: "low-level tools"}
	ch := &cobra.Command{Use: "chunk", Short: "store and fetch single chunks"}
	put := &cobra.Command{
		Use:   "put FILE",
		Short: "store FILE (\"-\" = stdin, at most 16 MiB) as one chunk and print its ID",
		Args:  exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := a.readChunkFile(args[0])
			if err != nil {
				return err
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			id, err := c.PutChunk(ctxOf(cmd), data)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(a.out, id)
			return err
		},
	}
	get := &cobra.Command{
		Use:   "get ID",
		Short: "write the chunk's bytes to stdout (verified against ID; exit 2 if missing)",
		Args:  exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := chunk.ParseID(args[0])
			if err != nil {
				return usageError{err}
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			data, err := c.GetChunk(ctxOf(cmd), id)
			if err != nil {
				return explain(err, "chunk "+id.String())
			}
			_, err = a.out.Write(data)
			return err
		},
	}
	ch.AddCommand(put, get)
	dbg.AddCommand(ch)
	return dbg
}

// readChunkFile reads a file or stdin, refusing more than maxDebugChunk bytes.
func (a *app) readChunkFile(name string) ([]byte, error) {
	var r io.Reader = a.in
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxDebugChunk+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxDebugChunk {
		return nil, fmt.Errorf("%s is larger than 16 MiB: a chunk holds at most 16 MiB (bundle upload splits files into chunks)", name)
	}
	// An empty file is a valid, zero-length chunk (the ID of empty content).
	return data, nil
}
