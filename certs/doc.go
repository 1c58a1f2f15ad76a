// Package certs is datamon's small PKI: a cluster certificate authority,
// node certificates, and the TLS configurations built from them.
//
//   - CreateCA / LoadCA (ca.go): an ECDSA P-256 CA kept as DIR/ca.crt and
//     DIR/ca.key (mode 0600). CA.IssueNode signs a node certificate whose
//     SANs name every address and host name the node is reached by, with
//     both the server-auth and the client-auth extended key usage, so one
//     certificate serves and dials node-to-node mutual TLS.
//   - ParseSAN (san.go) classifies a SAN argument as an IP address or a DNS
//     name and refuses anything else (ports, URLs, empty labels) with
//     ErrBadSAN.
//   - Reloader (reload.go) holds the node's current certificate and CA pool
//     and replaces them, without a restart, on SIGHUP and when the files'
//     content changes (polled). A new set that does not load (torn write,
//     key not matching the certificate, not yet valid or expired, not
//     signed by the CA) is refused: the old one stays in use and the error
//     is logged. ServerConfig and ClientConfig build tls.Configs that read
//     the current set on every handshake.
//   - NewListener (listener.go) serves TLS and answers a plain-HTTP request
//     on the TLS port with a readable 400 instead of a bare reset.
//
// Every private key is written with mode 0600 through a temporary file and
// a rename, so a reader never sees half a key. The package imports nothing
// of datamon's: node wires it into peer (RPC, Raft), the API and the S3
// gateway; localcluster and `datamon cert` create the files.
package certs
