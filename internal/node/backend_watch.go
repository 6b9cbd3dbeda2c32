package node

import (
	"log/slog"
	"time"
)

// backendWatch polls the backend probe for the node's whole life. It
// reports outages at a bounded rate — one line when the backend is found
// unreachable (at start or later), one every OUTAGE_LOG_INTERVAL while it
// stays so, one when it answers again — and, with mirror sessions, tells
// the cluster when the backend comes back, so the mirrors that died with
// it are rebuilt without waiting for a client to reconnect. The node
// starts it after the cluster and stops it (waiting for its loop) before
// closing the cluster.
type backendWatch struct {
	cfg  backendWatchConfig
	stop chan struct{}
	done chan struct{}

	// Owned by loop.
	seen     uint64    // the probe's down count when last looked at
	down     bool      // the watch's own probes find the backend down
	since    time.Time // when down started
	lastLine time.Time // when the outage was last logged
}

// backendWatchConfig is what the watch needs from the node.
type backendWatchConfig struct {
	probe    func() bool   // dials (or reads the cached answer)
	downs    func() uint64 // probes that found the backend down, by anyone
	returned func()        // the cluster's rebuild; nil without mirror sessions
	every    time.Duration // between probes
	logEvery time.Duration // OUTAGE_LOG_INTERVAL
	backend  string        // BACKEND_URL, for the log lines
	log      *slog.Logger
}

func startBackendWatch(cfg backendWatchConfig) *backendWatch {
	w := &backendWatch{cfg: cfg, stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

// loop owns the ticker and the outage state.
func (w *backendWatch) loop() {
	defer close(w.done)
	tick := time.NewTicker(w.cfg.every)
	defer tick.Stop()
	if !w.cfg.probe() {
		w.outageStarted(time.Now(), "backend unreachable at start: clients are answered 502 until it accepts connections")
	}
	w.seen = w.cfg.downs()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		w.check(time.Now())
	}
}

// check runs one probe and reports what changed.
func (w *backendWatch) check(now time.Time) {
	up := w.cfg.probe()
	rebuild := false
	if d := w.cfg.downs(); up && d != w.seen {
		w.seen, rebuild = d, w.cfg.returned != nil
	}
	switch {
	case !up && !w.down:
		w.outageStarted(now, "backend unreachable: clients are answered 502 until it accepts connections again")
	case !up && now.Sub(w.lastLine) >= w.cfg.logEvery:
		w.lastLine = now
		w.cfg.log.Warn("backend still unreachable", "backend", w.cfg.backend, "for", now.Sub(w.since).Round(time.Second).String())
	case up && w.down:
		w.down = false
		w.cfg.log.Info("backend reachable again", "backend", w.cfg.backend,
			"after", now.Sub(w.since).Round(time.Second).String(), "rebuilding_mirrors", rebuild)
	case rebuild: // an outage only a health request's probe saw
		w.cfg.log.Info("backend reachable again: rebuilding mirrors")
	}
	if rebuild {
		w.cfg.returned()
	}
}

func (w *backendWatch) outageStarted(now time.Time, msg string) {
	w.down, w.since, w.lastLine = true, now, now
	w.cfg.log.Warn(msg, "backend", w.cfg.backend, "reported_every", w.cfg.logEvery.String())
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
