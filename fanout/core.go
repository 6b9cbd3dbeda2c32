package fanout

import (
	"sync"
	"time"

	"github.com/valyala/bytebufferpool"
)

// core is what both buses share: configuration, counters, the dispatcher,
// the self-check and the lifecycle of the goroutines a bus owns.
type core struct {
	cfg   BusConfig
	stats counters
	disp  dispatcher
	probe *selfCheck
	own   Channel  // NodeChannel(cfg.NodeID)
	auth  *busAuth // nil without a Secret

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// init fills c; publish is how the self-check sends its probes.
func (c *core) init(cfg BusConfig, publish func(Channel, []byte) error) {
	c.cfg = cfg
	c.own = NodeChannel(cfg.NodeID)
	c.done = make(chan struct{})
	c.probe = newSelfCheck(cfg.SelfCheckInterval, cfg.SelfCheckTimeout, &c.stats, func(seq uint64) error {
		return c.sendProbe(publish, seq)
	})
	if f := cfg.OnRoundTrip; f != nil {
		c.probe.observe = func(d time.Duration) { f("selfcheck", d) }
	}
	c.disp = dispatcher{self: []byte(cfg.NodeID), epoch: cfg.Epoch, log: cfg.Logger, stats: &c.stats, probe: c.probe}
	if c.auth = newBusAuth(cfg.Secret, cfg.SecretScope); c.auth != nil {
		c.disp.open = c.auth.newOpener()
	}
}

// seal appends msg to dst as it goes on the wire: authenticated when a
// Secret is set, else unchanged.
func (c *core) seal(dst, msg []byte) ([]byte, error) {
	if c.auth == nil {
		return append(dst, msg...), nil
	}
	return c.auth.Seal(dst, msg)
}

func (c *core) sendProbe(publish func(Channel, []byte) error, seq uint64) error {
	env := Envelope{Kind: KindSelfCheck, Sender: c.disp.self, Epoch: c.cfg.Epoch, Seq: seq}
	bb := bytebufferpool.Get()
	defer bytebufferpool.Put(bb)
	var err error
	if bb.B, err = env.Append(bb.B); err != nil {
		return err
	}
	return publish(c.own, bb.B)
}

// start runs fn on a goroutine that Close waits for.
func (c *core) start(fn func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		fn()
	}()
}

// startSelfCheck starts the probe loop unless it is disabled.
func (c *core) startSelfCheck() {
	if c.cfg.SelfCheckInterval > 0 {
		c.start(c.selfCheckLoop)
	}
}

func (c *core) selfCheckLoop() { c.probe.run(c.done) }

// status combines connectivity with the self-check.
func (c *core) status(connected bool, err error) Status {
	st := Status{Connected: connected, Err: err}
	if c.cfg.SelfCheckInterval < 0 {
		st.Healthy = connected
		return st
	}
	healthy, last, rtt := c.probe.status()
	st.Healthy, st.LastCheck, st.RoundTrip = healthy && connected, last, rtt
	return st
}

func (c *core) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// NodeID returns this node's id.
func (c *core) NodeID() string { return c.cfg.NodeID }

// Epoch returns this node's boot epoch.
func (c *core) Epoch() uint64 { return c.cfg.Epoch }

// Stats returns the bus's counters.
func (c *core) Stats() Stats { return c.stats.snapshot() }
