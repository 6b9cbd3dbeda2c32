package node

import (
	"log/slog"
	"time"
)

// backendWatch polls the backend probe and tells the cluster when the
// backend comes back after an outage, so the mirrors that died with it are
// rebuilt without waiting for a client to reconnect. The node starts it
// with the cluster and stops it (waiting for its loop) before closing the
// cluster.
type backendWatch struct {
	probe    func() bool
	downs    func() uint64 // probes that found the backend down, by anyone
	returned func()
	every    time.Duration
	log      *slog.Logger
	stop     chan struct{}
	done     chan struct{}
}

func startBackendWatch(probe func() bool, downs func() uint64, returned func(), every time.Duration, log *slog.Logger) *backendWatch {
	w := &backendWatch{probe: probe, downs: downs, returned: returned, every: every, log: log,
		stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

// loop owns the ticker; it calls returned when the backend is up and a
// probe (its own or a health request's) found it down since the last call.
func (w *backendWatch) loop() {
	defer close(w.done)
	tick := time.NewTicker(w.every)
	defer tick.Stop()
	w.probe()
	seen := w.downs()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		up := w.probe()
		if d := w.downs(); up && d != seen {
			seen = d
			w.log.Info("backend reachable again: rebuilding mirrors")
			w.returned()
		}
	}
}

// close stops the loop and waits for it; it is idempotent.
func (w *backendWatch) close() {
	if w == nil {
		return
	}
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}
