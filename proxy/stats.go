package proxy

import "sync/atomic"

// Stats is a snapshot of the proxy's counters since New.
type Stats struct {
	// Sessions is the number of open proxied sessions.
	Sessions int
	// SessionsTotal counts sessions ever opened.
	SessionsTotal uint64
	// Messages and bytes (payload only) relayed client→backend and backend→client.
	MessagesToBackend, BytesToBackend uint64
	MessagesToClient, BytesToClient   uint64
	// Drops counts sessions closed or upgrades refused, by reason.
	Drops DropStats
}

// DropStats counts refusals and forced closes by reason.
type DropStats struct {
	MaxConnections  uint64 // upgrade refused with 503
	BackendDial     uint64 // backend unreachable or refused the upgrade (502)
	SlowClient      uint64 // client's write queue overflowed (1008)
	SlowBackend     uint64 // backend's write queue overflowed (1008)
	ClientProtocol  uint64 // client broke RFC 6455 (1002/1007)
	BackendProtocol uint64 // backend broke RFC 6455
	TooLarge        uint64 // a message over MaxPayload (1009)
	BackendLost     uint64 // backend connection ended without a close frame (1011)
	Syncing         uint64 // session refused with 503 while mirrors were rebuilt (Admitter)
}

// counters are the live atomic counters behind Stats.
type counters struct {
	sessionsTotal                   atomic.Uint64
	msgsToBackend, bytesToBackend   atomic.Uint64
	msgsToClient, bytesToClient     atomic.Uint64
	maxConns, backendDial           atomic.Uint64
	slowClient, slowBackend         atomic.Uint64
	clientProtocol, backendProtocol atomic.Uint64
	tooLarge, backendLost           atomic.Uint64
	syncing                         atomic.Uint64
}

func (c *counters) snapshot(sessions int) Stats {
	return Stats{
		Sessions:          sessions,
		SessionsTotal:     c.sessionsTotal.Load(),
		MessagesToBackend: c.msgsToBackend.Load(),
		BytesToBackend:    c.bytesToBackend.Load(),
		MessagesToClient:  c.msgsToClient.Load(),
		BytesToClient:     c.bytesToClient.Load(),
		Drops: DropStats{
			MaxConnections:  c.maxConns.Load(),
			BackendDial:     c.backendDial.Load(),
			SlowClient:      c.slowClient.Load(),
			SlowBackend:     c.slowBackend.Load(),
			ClientProtocol:  c.clientProtocol.Load(),
			BackendProtocol: c.backendProtocol.Load(),
			TooLarge:        c.tooLarge.Load(),
			BackendLost:     c.backendLost.Load(),
			Syncing:         c.syncing.Load(),
		},
	}
}
