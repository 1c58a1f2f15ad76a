// Package api serves datamon's public JSON HTTP API on fasthttp.
//
// Every node serves the same API. All routes except GET /healthz require a
// request signed with an access key (package apiauth); the secret is looked up
// through Meta.GetAccessKey on a stale read (a write whose signature does
// not verify is looked up again linearizably, for a secret just rotated in).
// The key, the secret generation that verified the request and the grants
// the handler checked travel on ctx (model.Caller) into every write, and the
// metadata state machine refuses the write at apply (403) if the key was
// revoked or lost a grant meanwhile: a revoked key never writes; its reads
// stop once the node applied the revocation (its replication lag). Routes
// (all JSON unless noted):
//
//	GET    /healthz                                           unauthenticated, "ok"
//	GET    /livez                                             unauthenticated, "ok" (probes.go)
//	GET    /readyz                                            unauthenticated, 200 once a raft member with a leader and a layout, else 503
//	GET    /metrics                                           Prometheus text
//	POST   /v1/contexts                       GET /v1/contexts
//	GET    /v1/contexts/{ctx}
//	POST   /v1/contexts/{ctx}/repos           GET /v1/contexts/{ctx}/repos
//	GET    /v1/contexts/{ctx}/repos/{repo}    DELETE /v1/contexts/{ctx}/repos/{repo}
//	GET    /v1/contexts/{ctx}/repos/{repo}/bundles            list, by ID
//	POST   /v1/contexts/{ctx}/repos/{repo}/bundles            commit {bundle, label?}
//	GET    /v1/contexts/{ctx}/repos/{repo}/bundles/latest
//	GET    /v1/contexts/{ctx}/repos/{repo}/bundles/{id}
//	GET    /v1/contexts/{ctx}/repos/{repo}/bundles/{id}/files   ?prefix=|?dir=, after=, limit= (handlers_files.go)
//	GET    /v1/contexts/{ctx}/repos/{repo}/bundles/{id}/file    ?path= -> entry with its chunk list
//	POST   /v1/contexts/{ctx}/repos/{repo}/bundles/assemble     {message, files, label?, if_match?, run?} (files_assemble.go)
//	GET    /v1/contexts/{ctx}/repos/{repo}/labels?prefix=P
//	PUT    /v1/contexts/{ctx}/repos/{repo}/labels/{name}      {bundle_id, if_match?, if_not_exists?}
//	GET    /v1/contexts/{ctx}/repos/{repo}/labels/{name}
//	GET    /v1/contexts/{ctx}/repos/{repo}/labels/{name}/history
//	POST   /v1/contexts/{ctx}/repos/{repo}/rename             {new_name} -> what moved
//	POST   /v1/contexts/{ctx}/repos/{repo}/delete-files       {paths} -> per-bundle removals
//	PUT    /v1/chunks                         raw body -> {"id": hex}
//	GET    /v1/chunks/{id}                    raw body
//	POST   /v1/chunks/has                     {"ids": [...]} -> {"present": [...]}
//	GET    /v1/cluster/status                 GET /v1/cluster/members
//	POST   /v1/cluster/remove-node            {"id": ...}
//	POST   /v1/users                          {name, email?}     GET /v1/users
//	GET    /v1/users/{name}                   DELETE /v1/users/{name} (and its keys)
//	POST   /v1/keys                           {user, grants?} -> key and its secret (shown once)
//	GET    /v1/keys?user=U                    GET /v1/keys/{id}   DELETE /v1/keys/{id}
//	POST   /v1/keys/{id}/rotate               {grace?} -> key and its new secret
//	POST   /v1/keys/{id}/grants               {grant: "scope=perm"}
//	DELETE /v1/keys/{id}/grants?scope=S
//	GET    /v1/audit?since=&until=&user=&key=&repo=&refused=&limit=   this node's audit records (root)
//
// Reads are linearizable unless the query has stale=true, in which case the
// request context is passed through Config.Stale. Errors are
// {"error": {"code": C, "message": M}} with the status codes of CodeFor.
//
// Deleting files from bundles (delete-files, delete_files.go) runs here, on
// the node, not in the client: the node reads and writes manifest pages
// through its own chunk store (no page crosses the client's network link,
// which matters for big bundles and many bundles), the request is one call
// that either rewrites every affected bundle or changes none of them (up to
// 256 bundles per metadata command), and clients cannot skip the checks.
// For every bundle holding one of the paths the node writes a new manifest
// without them (manifest.Filter), then swaps the manifest roots through
// RepoAdmin.SwapManifests, a compare-and-set on each old root, so a
// concurrent rewrite of the same bundle is detected (412 Precondition,
// nothing changed: run it again). Bundle IDs stay. The old pages and the
// removed files' chunks are only unreferenced, not erased: they stay on
// disk until GC collects them. The work is bounded by Config.RequestTimeout.
//
// The identity routes (handlers_identity.go) need a cluster admin (the
// root key or admin on "*"), except that a key may read and rotate itself
// and read its own user. They are served by Config.Identities or by a Meta
// that implements Identities; otherwise they answer 503. Key IDs and
// secrets are made here, from crypto/rand (keygen.go).
//
// Handler wraps the routes in guard (guard.go): with Config.AuthLimit, a
// caller throttled after failed authentications gets 429 Throttled with
// Retry-After before its signature is checked; with Config.Audit, every
// authenticated write and every refused request is recorded once its
// outcome is known — a successful write before its answer is sent. See
// docs/audit.md.
//
// The package consumes narrow interfaces (Meta, Chunks, Cluster) that node
// implements with raftmeta, cas and membership; it imports none of them.
package api
