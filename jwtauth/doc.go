// Package jwtauth verifies JSON Web Tokens from configured external issuers
// (OIDC providers, CI systems, Kubernetes service accounts) and maps their
// claims to a datamon identity: a model.User and grants.
//
// An issuer is configured by its "iss" URL, the audiences a token must name
// (one of them; "aud" may be a string or an array), and its JSON Web Key Set,
// read from a file or fetched from a URL. Keys are cached; a token whose "kid"
// is not in the cache makes the set reload (the issuer rolled its keys), at
// most once per Config.MinRefresh, so a flood of bogus kids costs one fetch.
//
// Only RS256, ES256 and EdDSA are accepted (an issuer may narrow the list).
// "none", every HMAC algorithm (and so the "HS256 signed with the public
// key" confusion), and a key whose type does not match the header's
// algorithm are refused. Before the JOSE library (github.com/go-jose/go-jose/v4)
// sees a token, CheckHeader bounds its size, counts its segments and reads
// the header's "alg" and "kid": cheap refusals for junk, fuzzed on their own.
//
// Claims map to an identity: the user name from a configured claim (sub,
// email, name or any string claim), the email from "email", and grants from
// a configured claim (for example "groups", a string or an array of
// strings) through a map group → grant strings ("ctx/repo=read",
// "ctx/*=write", "*=admin"; see ParseGrant). Grants of every matching group
// add up (the highest permission per scope wins); "*=admin" makes the token
// a root identity. Expiry ("exp", required) and not-before ("nbf") are
// checked with Config.ClockSkew of allowance.
//
// Verifier.Verify returns a Principal; Verifier.Authenticate returns it as a
// model.AccessKey (the api package's Tokens seam). Every refusal wraps
// model.ErrUnauthenticated and one of this package's sentinel errors
// (ErrExpired, ErrAudience, ErrUnknownIssuer, ...).
package jwtauth
