package localcluster

import (
	"github.com/datamon-io/datamon/client"
)

// Client returns a Go client for the cluster with the root credentials,
// talking to the given nodes (all nodes when none are given).
func (c *Cluster) Client(nodes ...int) (*client.Client, error) {
	var eps []string
	if len(nodes) == 0 {
		eps = c.APIURLs()
	}
	for _, i := range nodes {
		eps = append(eps, c.Nodes[i].APIURL())
	}
	cfg := client.DefaultConfig()
	cfg.Endpoints, cfg.AccessKey, cfg.SecretKey = eps, c.Secrets.AccessKey, c.Secrets.SecretKey
	cfg.TLS = c.TLSConfig()
	return client.New(cfg)
}
