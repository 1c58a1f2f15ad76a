package main

import "github.com/datamon-io/datamon/client"

// resolveToken applies the bearer token's precedence: --token / --token-file
// > DATAMON_TOKEN / DATAMON_TOKEN_FILE > the config file. The winner replaces
// both the token and the token file of the lower levels.
func (a *app) resolveToken(fc *client.FileConfig) {
	set := func(tok, file string) { fc.Token, fc.TokenFile = tok, file }
	switch {
	case a.token != "" || a.tokenFile != "":
		set(a.token, a.tokenFile)
	case a.getenv("DATAMON_TOKEN") != "" || a.getenv("DATAMON_TOKEN_FILE") != "":
		set(a.getenv("DATAMON_TOKEN"), a.getenv("DATAMON_TOKEN_FILE"))
	}
}
