// Package identmem is an in-memory implementation of api.Identities (and of
// api.KeyStore's GetAccessKey): users, access keys with their secrets and
// grants, rotation with a grace period. It follows the contract of the
// seam as raftmeta does (model.ErrNotFound, model.ErrExists, secrets
// blanked on every read but GetAccessKey) without replication or
// persistence: it serves tests of the API, the client and the CLI, and a
// single-process tool that needs keys but no cluster.
package identmem
