// Package authlimit slows down guessing of access-key signatures.
//
// Failed authentications are counted in a sliding window (Config.Window,
// an interpolated two-bucket counter) per (access key, source address) and
// per source address. Once a counter reaches its threshold
// (Config.PerKeySource, Config.PerSource), the pair or the source is
// throttled: Check refuses its requests for a delay that doubles with every
// further failure, from Config.BaseDelay up to Config.MaxDelay. A refused
// request is answered at once — 429 with a JSON error on the API, 503
// SlowDown on the S3 gateway, both with Retry-After — and its signature is
// never checked, so a throttled guesser learns nothing even from a right
// guess. Nothing sleeps on the server: holding connections open would cost
// the node more than the guesser.
//
// The real key keeps working from other addresses: a key's failures count
// only with the source they came from, never for the key alone. A success
// clears its (key, source) counter (not the source's, so one valid key
// cannot launder a source that sprays guesses at other keys). Requests
// without a key (malformed headers, bearer tokens) count for their source
// only.
//
// Memory is bounded: at most Config.MaxEntries counters are kept, the
// least recently used evicted first, and idle counters expire after a
// window. There is no background goroutine.
package authlimit
