package fanout

import (
	"sync"
	"time"
)

// selfCheck sends a probe through the bus's own node channel every interval
// and marks the bus healthy when it comes back within timeout. Its loop runs
// on a goroutine the bus owns; returned runs on the delivery goroutine;
// status on any goroutine — hence the mutex.
type selfCheck struct {
	interval, timeout time.Duration
	stats             *counters
	send              func(seq uint64) error // publishes a probe with this sequence number
	kick              chan struct{}          // asks for a probe now (after a reconnect)
	observe           func(time.Duration)    // told each returned probe's round trip; may be nil

	mu      sync.Mutex
	nonce   uint64
	sent    time.Time
	pending bool
	healthy bool
	last    time.Time
	rtt     time.Duration
}

func newSelfCheck(interval, timeout time.Duration, stats *counters, send func(uint64) error) *selfCheck {
	return &selfCheck{interval: interval, timeout: timeout, stats: stats, send: send, kick: make(chan struct{}, 1)}
}

// poke requests a probe as soon as none is in flight.
func (s *selfCheck) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// run is the probe loop; it returns when done closes.
func (s *selfCheck) run(done <-chan struct{}) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-s.kick:
			t.Reset(s.step(time.Now(), true))
		case <-t.C:
			t.Reset(s.step(time.Now(), false))
		}
	}
}

// step advances the probe state at now and returns when to step again: a
// probe in flight fails at its timeout, the next one leaves an interval
// after the last (at once when forced).
func (s *selfCheck) step(now time.Time, force bool) time.Duration {
	s.mu.Lock()
	if s.pending {
		if wait := s.sent.Add(s.timeout).Sub(now); wait > 0 {
			s.mu.Unlock()
			return min(wait, s.interval) // the probe may come back meanwhile
		}
		s.pending, s.healthy = false, false
		s.stats.selfChecksFailed.Add(1)
	} else if !force && !s.sent.IsZero() {
		if wait := s.sent.Add(s.interval).Sub(now); wait > 0 {
			s.mu.Unlock()
			return wait
		}
	}
	s.nonce++
	s.sent, s.pending = now, true
	seq := s.nonce
	s.mu.Unlock()
	_ = s.send(seq) // a probe that never left fails at its timeout
	return min(s.timeout, s.interval)
}

// returned records a probe that came back through the subscription.
func (s *selfCheck) returned(seq uint64) {
	now := time.Now()
	s.mu.Lock()
	if !s.pending || seq != s.nonce {
		s.mu.Unlock()
		return // a late probe: its timeout already counted it
	}
	s.pending, s.healthy = false, true
	s.last, s.rtt = now, now.Sub(s.sent)
	rtt := s.rtt
	s.stats.selfChecksOK.Add(1)
	s.mu.Unlock()
	if s.observe != nil {
		s.observe(rtt)
	}
}

func (s *selfCheck) status() (healthy bool, last time.Time, rtt time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.healthy, s.last, s.rtt
}
