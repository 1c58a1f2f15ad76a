package gateway_test

import "github.com/datamon-io/datamon/gateway"

var (
	rootID         = gateway.Identity{Root: true}
	gatewayListAll = gateway.ListQuery{MaxKeys: 1000}
)
