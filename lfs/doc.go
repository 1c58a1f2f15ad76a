// Package lfs serves the Git LFS API (batch with the basic transfer
// adapter, and file locking) of a datamon cluster under
// /lfs/<context>/<repo>/ on the public API port.
//
// Objects are cut into content-defined chunks by the node that receives
// the upload and stored through the chunk service, so an LFS object shares
// chunks with bundles and with earlier versions of itself. The SHA-256 OID
// is computed while the body streams in; only when it and the size match
// does one Raft command (raftmeta lfs_put_object) make the OID -> chunk
// list mapping visible. Locks are Raft state too.
//
// Callers authenticate with HTTP Basic (access key ID and secret, as git's
// credential helper sends them) or with any scheme the public API accepts
// (datamon signature, bearer tokens), delegated to api.Server.Authenticate.
// Transfer actions carry a short-lived HMAC token (key derived from the
// cluster secret), so any node accepts the href until it expires; a bearer
// principal's token carries its permission (no key store knows it).
// Config.TransferHost may point transfer hrefs at another node than the
// batch's (node --lfs-spread-transfers), so that git-lfs's retry of a
// transfer whose node died lands on an alive one.
package lfs
