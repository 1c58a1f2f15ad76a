// Package apiauth signs and verifies requests to datamon's public JSON API.
//
// A request carries
//
//	Authorization: DATAMON-HMAC-SHA256 Credential=<access-key>, Date=<RFC3339 or unix seconds>, Signature=<hex>
//
// where Signature = hex(HMAC-SHA256(secret, StringToSign)) and StringToSign is
//
//	METHOD \n path \n canonical-query \n date \n body-digest
//
// path is the unescaped request path, canonical-query is the query parameters
// sorted by key then value and URL-encoded (url.Values.Encode), date is the Date
// value exactly as sent, and body-digest is the lowercase hex SHA-256 of the body
// or the literal UNSIGNED-PAYLOAD (the server decides where that is allowed).
//
// The package is shared by package api (verifier) and package client (signer)
// and depends on neither. It works on plain strings so that any HTTP stack can
// use it.
package apiauth
