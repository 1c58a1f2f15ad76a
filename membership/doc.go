// Package membership owns the gossip view of the cluster: who is a member, how
// to reach it (RPC, Raft, API and S3 addresses), its site and capacity, and
// whether it is alive. It wraps hashicorp/memberlist.
//
// Gossip is encrypted and authenticated with a 32-byte AES key derived from
// the cluster secret (HKDF-SHA256), and memberlist is configured to refuse
// unencrypted traffic, so a node without the secret can neither read gossip
// nor join.
//
// Each node publishes a Meta (encoded compactly into memberlist node metadata,
// at most MaxMetaSize bytes). Gossip says who is alive — whom to ask — never
// where data belongs; placement uses the Raft-recorded layout.
//
// State reporting: memberlist v0.7.0 does not expose suspicion through a
// public API, so Members reports a suspected node as Alive until memberlist
// declares it dead. A node that left gracefully (Leave) is reported as Left;
// one that failed is reported as Dead. Dead and left nodes remain in
// Members() until they rejoin or Config.ForgetAfter passes.
//
// Concurrency: all methods of *Membership are safe for concurrent use.
// Subscribe delivers events without blocking memberlist: a subscriber whose
// buffer is full misses events (counted in Dropped). Close stops memberlist
// and closes every subscriber channel.
package membership
