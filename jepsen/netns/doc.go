// Package netns builds the isolated test network of the jepsen suite.
//
// In netns mode it creates one bridge namespace holding a Linux bridge and one
// namespace per node (plus one client namespace), each joined to the bridge by
// a veth pair created directly inside the namespaces, so no interface ever
// appears in the root namespace. Nodes get 10.77.X.(11+i)/24 where X is chosen
// per run; while the network exists the root namespace carries an
// "unreachable 10.77.X.0/24" route, which doubles as the per-run lock on X.
// No packet of the range can leave the machine.
//
// In loopback mode (no root, no iproute2, or forced) nodes get distinct
// 127.77.X.(11+i) addresses and processes run in the root namespace.
//
// Every artifact (namespace, route, nft table, mount) is recorded in a ledger
// file under StateDir whose owner holds an flock on a sibling lock file;
// CleanupStale removes artifacts of ledgers whose lock is free (the owner is
// dead, in any PID namespace), so a crashed run never leaks state and nothing
// that is not ours is ever touched.
package netns
