package fanout

import (
	"bytes"
	"errors"
	"log/slog"
	"time"
)

// dispatcher decodes what a bus receives and hands it to the channel's
// handler. It is owned by the bus's one delivery goroutine, which is why it
// can reuse one Envelope and keep unsynchronised log-throttle state.
type dispatcher struct {
	self     []byte
	epoch    uint64
	log      *slog.Logger
	stats    *counters
	probe    *selfCheck
	env      Envelope
	open     *opener // nil without a Secret
	lastWarn time.Time
	quiet    int // refusals not logged since lastWarn
}

// dispatch delivers msg to h; msg is only read, and only during the call.
func (d *dispatcher) dispatch(ch Channel, h Handler, msg []byte) {
	if err := d.env.Decode(msg); err != nil {
		if errors.Is(err, ErrUnknownVersion) {
			d.stats.unknownVersion.Add(1)
		} else {
			d.stats.malformed.Add(1)
		}
		d.refused(ch, msg, err)
		return
	}
	if d.open != nil {
		if err := d.open.open(&d.env); err != nil {
			d.stats.unauthenticated.Add(1)
			d.refused(ch, msg, err)
			return
		}
	}
	if d.env.Kind == KindSelfCheck && bytes.Equal(d.env.Sender, d.self) {
		if d.env.Epoch == d.epoch {
			d.probe.returned(d.env.Seq)
		}
		return
	}
	if h == nil {
		d.stats.unhandled.Add(1)
		return
	}
	d.stats.delivered.Add(1)
	h(&d.env)
}

// refused logs a refused envelope at most once a second, with how many were
// refused quietly since, so a flood from a newer node cannot flood the log.
func (d *dispatcher) refused(ch Channel, msg []byte, err error) {
	now := time.Now()
	if now.Sub(d.lastWarn) < time.Second {
		d.quiet++
		return
	}
	d.log.Warn("fanout: refused bus envelope", "channel", string(ch), "version", PeekVersion(msg),
		"bytes", len(msg), "err", err, "refused_since_last_log", d.quiet)
	d.lastWarn, d.quiet = now, 0
}
