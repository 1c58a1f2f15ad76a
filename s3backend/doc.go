// Package s3backend is the product side of the S3 gateway: it implements
// gateway.Backend and gateway.Keys on top of raftmeta (repos, labels,
// bundles, S3 drafts and multipart uploads) and the cluster chunk service.
//
// # Mapping
//
// A repo is a bucket. Its objects are the files of the repo's working head:
// the repo's head label (model.Repo.Head: set by `repo create --head-label`,
// default "main"; the label `bundle upload` moves by default) plus the
// repo's draft of uncommitted S3 writes kept in the Raft group. Reads see
// base + draft (read-your-writes); a delete records a tombstone in the draft.
// Commit (API POST .../draft/commit, CLI `datamon bundle commit`) turns the
// draft into a bundle whose parent is the label's bundle and moves the label
// with compare-and-set; Discard drops the draft.
//
// Objects are stored like bundle files: the body is cut with the FastCDC
// chunker, each chunk is stored through the chunk service (so identical
// content deduplicates with CLI uploads), and the draft entry (size, chunk
// list, ETag, content type, user metadata, stored headers) is written by
// one Raft command only after every chunk is acknowledged. On commit the S3
// attributes go into manifest.Entry.Attrs ("etag", "content-type",
// "meta:<name>", "hdr:<Canonical-Name>"), so they are served again when the
// file is read through a ref alias. Files uploaded by the CLI have no MD5:
// their ETag is "<hex of BLAKE3 over the chunk ids, 16 bytes>-<chunks>", which
// clients treat like a multipart ETag (no MD5 check).
//
// # Bucket names
//
// Strict S3 clients accept only lowercase letters, digits, '-' and '.', 3 to
// 63 characters. A bucket name is
//
//		[<context> "."] <repo> [ "--label--" <label> | "--bundle--" <bundle> ]
//
//	  - the context part is omitted for the "default" context ("default." is
//	    also accepted);
//	  - each name is written as is when it is lowercase ASCII letters, digits
//	    and single hyphens (no "--", not ending with '-', at least 3 characters
//	    for a repo in the default context); any other name (uppercase,
//	    non-ASCII, "--", short) is written "x--" + lowercase hex of its UTF-8
//	    bytes. Lax clients may also send the raw name (e.g. "MyRepo");
//	  - labels use the same rule, dots allowed ("v1.2"), except "..", ".-", "-.";
//	  - a bundle ID (27 base62 characters, mixed case) is written as the RFC
//	    4648 base32 of its 20 bytes in lowercase, without padding (32
//	    characters); the raw 27-character ID is accepted too.
//
// Examples (context "default" unless said):
//
//	repo "images"                     images
//	repo "images", context "prod"     prod.images
//	repo "MyRepo"                     x--4d795265706f
//	label "v1.2" of "images"          images--label--v1.2
//	label "Prod" of "images"          images--label--x--50726f64
//	bundle 2Ab...(27) of "images"     images--bundle--<32 base32 chars>
//
// Label and bundle aliases are read-only (writes answer AccessDenied) and
// show the bundle's manifest alone. ListBuckets lists the repos the caller
// can read (all contexts), not the aliases. With the 32-character bundle
// form, strict 63-character clients reach bundles of repos whose bucket
// prefix is at most 17 characters; lax clients (aws cli, boto3 path-style)
// accept longer names.
//
// # Keys and permissions
//
// LookupKey resolves access keys through raftmeta (stale read; a write whose
// signature does not verify asks again linearizably, gateway.WithFreshKey).
// Reads need read on "context/repo" (or "context/*"), writes need write,
// CreateBucket and DeleteBucket need admin; root keys may do everything.
// Every write of a request made with an access key carries the key, its
// secret generation and those grants (caller.go) to the state machine,
// which refuses it (AccessDenied) if the key was revoked meanwhile.
//
// # Limits
//
// Keys must be valid datamon paths (no leading or trailing '/', no empty,
// "." or ".." segment): other keys answer InvalidArgument, so S3 "folder
// markers" ("dir/") are not supported. A file and a directory of the same
// name (key "a" and key "a/b") may coexist in a draft and in a committed
// bundle, but a download to a filesystem cannot materialise both.
//
// Concurrency: a *Backend is safe for concurrent use.
package s3backend
