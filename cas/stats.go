package cas

import "sync/atomic"

// Stats is a snapshot of the service's counters since New.
type Stats struct {
	Puts            uint64 // successful Put calls (PutIfMissing hits included)
	Gets            uint64 // successful Get calls
	BytesIn         uint64 // chunk bytes accepted by successful Puts
	BytesOut        uint64 // chunk bytes returned by Gets
	Reconstructions uint64 // Gets that needed parity (not a plain concatenation)
	HedgedReads     uint64 // Gets whose hedge timer fired and asked extra shards
	CorruptShards   uint64 // shards found corrupt (checksum, header or content)
	DegradedWrites  uint64 // successful Puts with at least one shard queued for repair
	PendingRepairs  uint64 // shard writes in the repair queue now
	Repaired        uint64 // shard writes completed by the repair loop
	DroppedRepairs  uint64 // shard writes dropped because the queue was full
	Fallbacks       uint64 // Gets that had to scan every alive node
	WritesInFlight  uint64 // shard writes of Puts still running now
}

type counters struct {
	puts, gets, bytesIn, bytesOut, reconstructions, hedged atomic.Uint64
	corrupt, degraded, repaired, dropped, fallbacks        atomic.Uint64
	inflight                                               atomic.Int64
}

// Stats returns the current counters.
func (s *Service) Stats() Stats {
	c := &s.stats
	return Stats{
		Puts: c.puts.Load(), Gets: c.gets.Load(),
		BytesIn: c.bytesIn.Load(), BytesOut: c.bytesOut.Load(),
		Reconstructions: c.reconstructions.Load(), HedgedReads: c.hedged.Load(),
		CorruptShards: c.corrupt.Load(), DegradedWrites: c.degraded.Load(),
		PendingRepairs: uint64(s.repairs.len()), Repaired: c.repaired.Load(),
		DroppedRepairs: c.dropped.Load(), Fallbacks: c.fallbacks.Load(),
		WritesInFlight: uint64(max(c.inflight.Load(), 0)),
	}
}
