package fanout

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/bytebufferpool"

	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/proxy/socketio"
)

// ClusterConfig configures the mirror mechanism; the zero value works
// except for what New requires (bus, registry, proxy).
type ClusterConfig struct {
	// MirrorEvents are the membership events replayed on every mirror
	// (MIRROR_EVENTS).
	MirrorEvents []string
	// ReplyEvents are the events with which the home backend answers a
	// membership event (MIRROR_EVENT_REPLY); empty means none: relayed
	// frames then await only an ack the client asked for (or a CONNECT reply).
	ReplyEvents []string
	// LocalEvents are accepted from the home backend only (LOCAL_EVENTS).
	LocalEvents []EventMatch
	// EventField names a websocket message's event (EVENT_FIELD); "" means "type".
	EventField string
	// BarrierTimeout bounds a barrier (REDIS_REQUESTS_TIMEOUT); 0 means 5s.
	BarrierTimeout time.Duration
	// ReplyTimeout bounds how long relayed frames wait for the home
	// backend's answer to a membership packet (MIRROR_REPLY_TIMEOUT); 0 means 1s.
	ReplyTimeout time.Duration
	// ReleaseGrace separates released frames from a DISCONNECT or close
	// behind them (RELEASE_GRACE); 0 means 50ms.
	ReleaseGrace time.Duration
	// EchoWindow is how close an identical frame from home and from a
	// mirror must be to count as an echo (ECHO_WINDOW); 0 means 500ms.
	EchoWindow time.Duration
	// CoalesceWindow is how long a relayed frame may wait for identical
	// frames to other sessions of the same home (COALESCE_WINDOW); 0 means
	// 250µs, negative relays every frame at once.
	CoalesceWindow time.Duration
	// AckTTL is how long a server→client ack id stays routable (ACK_TTL);
	// 0 means 30s.
	AckTTL time.Duration
	// DialTimeout bounds opening a mirror; 0 means BarrierTimeout.
	DialTimeout time.Duration
	// MirrorSettle is how long a mirror waits, after writing a membership
	// packet, for the backend's MIRROR_EVENT_REPLY answer before it acks the
	// packet anyway (MIRROR_SETTLE); 0 means 20ms.
	MirrorSettle time.Duration
	// BackendRetry is how often a node whose backend went away checks
	// whether it is back (BACKEND_RETRY_INTERVAL); 0 means 100ms.
	BackendRetry time.Duration
	// MaxHeldBytes bounds what one session holds in each direction while a
	// barrier is open (client units) or its answer is awaited (relayed
	// frames); past it the session is closed. 0 means 4 MiB.
	MaxHeldBytes int
	// MaxLog bounds a session's membership log; 0 means 512 entries.
	MaxLog int
	// Logger receives warnings; nil means slog.Default().
	Logger *slog.Logger
}

func (c ClusterConfig) withDefaults() ClusterConfig {
	if c.EventField == "" {
		c.EventField = "type"
	}
	c.BarrierTimeout = orDur(c.BarrierTimeout, 5*time.Second)
	c.ReplyTimeout = orDur(c.ReplyTimeout, time.Second)
	c.ReleaseGrace = orDur(c.ReleaseGrace, 50*time.Millisecond)
	c.EchoWindow = orDur(c.EchoWindow, 500*time.Millisecond)
	c.DialTimeout = orDur(c.DialTimeout, c.BarrierTimeout)
	c.AckTTL = orDur(c.AckTTL, 30*time.Second)
	if c.CoalesceWindow == 0 {
		c.CoalesceWindow = 250 * time.Microsecond
	}
	c.MirrorSettle = orDur(c.MirrorSettle, 20*time.Millisecond)
	c.BackendRetry = orDur(c.BackendRetry, 100*time.Millisecond)
	if c.MaxHeldBytes <= 0 {
		c.MaxHeldBytes = 4 << 20
	}
	if c.MaxLog <= 0 {
		c.MaxLog = 512
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func orDur(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Cluster makes the proxies of several nodes behave like one node through
// mirror sessions (docs/design.md, Mirror sessions). It implements
// proxy.Cluster for its own node's proxy and opens mirrors on that proxy
// for other nodes' sessions.
type Cluster struct {
	bus   Bus
	reg   *Registry
	px    *proxy.Server
	cfg   ClusterConfig
	ev    events
	log   *slog.Logger
	self  []byte
	stats clusterCounters
	echo  *echoStats

	mu      sync.Mutex
	homes   map[string]*homeSession // by session id
	mirrors map[string]*mirror      // by home node id + "/" + session id
	missed  map[string]bool         // peers that missed a barrier and have not answered since
	co      map[string]*coalescer   // by home node id
	closed  bool
	sync    syncState // the backend's outage and the rebuild after it

	// gated: no new client sessions (cluster_sync.go); read per session.
	gated atomic.Bool
	// syncCheck: a checkSync is scheduled (mirrorSettled).
	syncCheck atomic.Bool

	// coPending: some coalescer holds frames; PollerIdle flushes them.
	coPending atomic.Bool
	coSince   atomic.Int64 // monoNow when coPending last became true
	idleMu    sync.Mutex   // one PollerIdle at a time owns idleCo
	idleCo    []*coalescer // PollerIdle's scratch

	busUnit proxy.Unit      // scratch of the bus's delivery goroutine
	busHdr  socketio.Header // likewise

	wg        sync.WaitGroup  // mirror dials
	ctx       context.Context // cancelled by Close: ends dials in flight
	cancel    context.CancelFunc
	closeOnce sync.Once
}

var (
	_ proxy.Cluster     = (*Cluster)(nil)
	_ proxy.IdleFlusher = (*Cluster)(nil)
	_ proxy.Admitter    = (*Cluster)(nil)
)

// NewCluster builds the mirror mechanism of the node that owns bus, reg and
// px. Call Start, then px.SetCluster(c).
func NewCluster(bus Bus, reg *Registry, px *proxy.Server, cfg ClusterConfig) *Cluster {
	cfg = cfg.withDefaults()
	c := &Cluster{
		bus: bus, reg: reg, px: px, cfg: cfg, log: cfg.Logger,
		self:    []byte(bus.NodeID()),
		homes:   make(map[string]*homeSession),
		mirrors: make(map[string]*mirror),
		missed:  make(map[string]bool),
		co:      make(map[string]*coalescer),
		echo:    newEchoStats(cfg.Logger),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.ev = events{protocol: px.Protocol(), field: cfg.EventField, local: cfg.LocalEvents,
		mirror: setOf(cfg.MirrorEvents), reply: setOf(cfg.ReplyEvents)}
	return c
}

func setOf(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Start takes over this node's channel and asks every live peer for a
// snapshot of its sessions (a node that starts late gets mirrors for the
// clients already connected).
func (c *Cluster) Start(ctx context.Context) error {
	err := c.bus.Subscribe(ctx, NodeChannel(c.bus.NodeID()), c.handle)
	if err == nil {
		err = c.bus.Subscribe(ctx, MembersChannel, c.handleMembers)
	}
	if err != nil && !errors.Is(err, ErrNotConnected) {
		return fmt.Errorf("fanout: cluster: %w", err)
	}
	if err != nil {
		// The subscription is made when the bus connects; peers then
		// arrive through the registry and are asked for snapshots.
		c.log.Warn("fanout: mirrors start without the bus; they join when it connects", "err", err)
		return nil
	}
	for _, p := range c.reg.Peers() {
		c.sendControl(p.ID, KindSnapshotRequest, nil, 0, nil)
	}
	return nil
}

// OnPeer follows the registry (call it from RegistryConfig.OnChange).
func (c *Cluster) OnPeer(ev PeerEvent) {
	switch ev.Kind {
	case PeerUp:
		// Both ways: the peer's sessions come here, ours go there. A
		// snapshot for a mirror already in step is ignored.
		c.sendControl(ev.Peer.ID, KindSnapshotRequest, nil, 0, nil)
		c.sendSnapshots(ev.Peer.ID)
	case PeerDown:
		c.peerDown(ev.Peer.ID)
	case SelfLapsed:
		c.selfLapsed()
	}
}

// Close closes every mirror, waits for dials in flight, and forgets the
// sessions. Close it before the proxy and the bus. Idempotent.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		c.mu.Lock()
		c.closed = true
		c.stopSyncTimerLocked()
		ms, cos := c.mirrors, c.co
		c.mirrors, c.co = make(map[string]*mirror), make(map[string]*coalescer)
		c.mu.Unlock()
		for _, m := range ms {
			m.close()
		}
		for _, co := range cos {
			co.close()
		}
		c.wg.Wait()
	})
	return nil
}

// Mirrors returns the number of open mirrors on this node.
func (c *Cluster) Mirrors() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.mirrors)
}

// sendControl publishes one envelope about session sid (nil for node-level
// kinds) to node to. Callers may hold a session's mu, never Cluster.mu.
func (c *Cluster) sendControl(to string, k Kind, sid []byte, seq uint64, payload []byte) {
	// Frames waiting in the coalescer toward the same node go first: a
	// control must not overtake what was relayed before it (a reaction
	// relayed home, then the DISCONNECT that follows it).
	c.mu.Lock()
	co := c.co[to]
	c.mu.Unlock()
	if co != nil {
		co.flush()
	}
	env := Envelope{Kind: k, Sender: c.self, Epoch: c.bus.Epoch(), Session: sid, Seq: seq, Payload: payload}
	bb := bytebufferpool.Get()
	defer putBuf(bb)
	var err error
	if bb.B, err = env.Append(bb.B); err != nil {
		c.log.Warn("fanout: control not encoded", "kind", k.String(), "err", err)
		return
	}
	if err := c.bus.Publish(NodeChannel(to), bb.B); err != nil {
		c.stats.controlDropped.Add(1)
	}
}

// publishMember publishes one membership control of session sid on the
// members channel, which every node (this one too) receives in one order.
// Callers may hold a session's mu, never Cluster.mu.
func (c *Cluster) publishMember(k Kind, sid []byte, seq uint64, payload []byte) {
	env := Envelope{Kind: k, Sender: c.self, Epoch: c.bus.Epoch(), Session: sid, Seq: seq, Payload: payload}
	bb := bytebufferpool.Get()
	defer putBuf(bb)
	var err error
	if bb.B, err = env.Append(bb.B); err != nil {
		c.log.Warn("fanout: membership control not encoded", "kind", k.String(), "err", err)
		return
	}
	if err := c.bus.Publish(MembersChannel, bb.B); err != nil {
		c.stats.controlDropped.Add(1)
	}
}

// newSessionID returns a random cluster-wide session id.
func newSessionID() []byte {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return []byte(hex.EncodeToString(b[:]))
}

// livePeers returns the ids of the peers a barrier waits for: live, and
// not marked as having missed a barrier.
func (c *Cluster) livePeers() (all, waited []string) {
	peers := c.reg.Peers()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range peers {
		all = append(all, p.ID)
		if !c.missed[p.ID] {
			waited = append(waited, p.ID)
		}
	}
	return all, waited
}

// answered clears a peer's missed mark: it is waited for again.
func (c *Cluster) answered(peer []byte) {
	c.mu.Lock()
	if len(c.missed) > 0 {
		delete(c.missed, string(peer))
	}
	c.mu.Unlock()
}
