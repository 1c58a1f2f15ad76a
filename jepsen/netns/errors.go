package netns

import "errors"

// ErrUnsupported reports that network namespaces cannot be used here.
var ErrUnsupported = errors.New("netns: network namespaces unsupported")
