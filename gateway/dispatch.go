package gateway

// unsupported lists sub-resources answered NotImplemented.
var unsupported = []string{
	"policy", "lifecycle", "cors", "website", "object-lock", "retention",
	"legal-hold", "encryption", "replication", "notification", "logging", "requestPayment",
	"accelerate", "analytics", "inventory", "metrics", "intelligent-tiering",
	"ownershipControls", "publicAccessBlock", "restore", "select", "torrent", "versions",
	"attributes", "policyStatus",
}

// dispatch routes the request to its operation: the first row of ops
// (operations.go) whose level, method and predicate match.
func (r *req) dispatch() error {
	q := r.query
	for _, k := range unsupported {
		if q.Has(k) {
			return errf(501, "NotImplemented", "?"+k+" is not implemented")
		}
	}
	if v := q.Get("versionId"); v != "" && v != "null" {
		return errf(501, "NotImplemented", "object versions are not implemented")
	}
	if o := r.route(); o != nil {
		return o.run(r)
	}
	return errMethodNotAllowed
}

// route is the first row of ops matching the request, nil if none does.
func (r *req) route() *op {
	lv := LevelObject
	switch {
	case r.bucket == "":
		lv = LevelService
	case r.key == "":
		lv = LevelBucket
	}
	m := string(r.c.Method())
	for i := range ops {
		o := &ops[i]
		if o.Level == lv && o.Method == m && (o.when == nil || o.when(r)) {
			return o
		}
	}
	return nil
}
