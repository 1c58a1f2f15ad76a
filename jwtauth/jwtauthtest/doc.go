// Package jwtauthtest is a test token issuer: it generates signing keys
// (RS256, ES256, EdDSA), writes their JSON Web Key Set to a file, and signs
// tokens with them, so that tests of the API, the S3 gateway and the CLI
// exercise the real jwtauth verifier against keys no test hard-codes.
package jwtauthtest
