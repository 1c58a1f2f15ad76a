// Package transfer moves directory trees between a local file system and a
// datamon cluster: Upload (walk, chunk, dedup, store, write the manifest,
// commit), Download / DownloadFile (read the manifest, fetch chunks, write
// files safely under a destination), Diff and Update (compare a local tree
// with a bundle and apply the difference). The CLI, FUSE, the S3 gateway,
// jepsen and bench use it.
//
// Seams. The package declares what it needs: Store (PutChunk, GetChunk,
// HasChunks — *client.Client satisfies it, so does any map-backed store) and
// Committer (CommitBundle). Every chunk operation is retried with bounded
// exponential backoff on transient errors (not on not-found, invalid,
// permission or cancellation); chunk puts are idempotent because chunks are
// content-addressed, so a retry after a node died mid-request is safe.
//
// Upload. The tree is walked lazily in the byte-wise order of full slash
// paths — each directory is read and sorted on its own, a subdirectory is
// emitted as an entry at "name" and expanded at "name/" — so manifest.Writer
// receives sorted entries without the whole tree in memory. Reserved paths
// (.datamon, .conflicts, .checkpoints at the top) are skipped. Regular files
// (permission bits, mtime, size, chunks), symlinks (target, never followed)
// and every directory (so empty ones survive) are recorded. Files are chunked
// by Config.Concurrency workers; their entries are put back in walk order by
// a reorder window of 2×Concurrency files. Chunk IDs are checked with
// HasChunks in batches and only missing chunks are sent, by a pool of put
// workers. Chunk buffers in flight are bounded by a byte budget
// (Config.MaxInFlight, default Concurrency × 2 × chunker Max), so memory is
// about Concurrency × (chunker buffer 2×Max) + MaxInFlight + one manifest page
// per tree level, whatever the file sizes. The bundle is committed by one
// CommitBundle call (with the optional label) only after every chunk and the
// manifest are acknowledged: a failure or cancellation before that leaves no
// bundle.
//
// Download. Entries are read from the manifest in order and written by
// Concurrency workers; each file's chunks are fetched in parallel (bounded by
// the same byte budget) and written at their offsets into a temporary file in
// the target directory, which is then renamed into place, chmod-ed and given
// its mtime. All writes go through an os.Root opened on the destination (the
// kernel-level guard against escaping it) and, in addition, every path is
// validated with manifest.ValidatePath and every existing component is
// Lstat-ed: a component that is a symlink or not a directory is refused
// (ErrUnsafePath), so a link in the manifest or in a pre-existing destination
// is never followed when writing. Directory modes and mtimes are applied at
// the end, deepest first (this keeps one small record per directory in
// memory). The bundle descriptor is written to .datamon/<bundleID>.json.
//
// Diff and Update follow datamon's semantics, with the local tree as the
// "existing" side and the bundle as the "additional" side: A = in the bundle,
// not local (Update downloads it); D = local, not in the bundle (Update
// deletes it); U = in both but different (Update replaces it). Entries differ
// when their type, permission bits, symlink target or content differ;
// content is compared by the file's chunk-list hash (BLAKE3-256 over the
// concatenated chunk IDs, see ContentHash), computed locally with the same
// chunker, so equal hashes mean byte-identical files. Modification times are
// not compared (a fresh download has the bundle's mtimes anyway).
package transfer
