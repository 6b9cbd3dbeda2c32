package fanout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/valyala/bytebufferpool"
)

// RegistryConfig configures a Registry; the zero value works.
type RegistryConfig struct {
	// Address is this node's advertised address (host:port) that peers use
	// to forward requests to it; it may be empty.
	Address string
	// Settings are announced in the node's record; a peer whose settings
	// refuse it (another protocol or format) is not a peer, one that
	// differs otherwise is kept, and either way it is logged and listed by
	// Mismatches (registry_settings.go).
	Settings Settings
	// HeartbeatInterval is how often the node refreshes its record; 0 means 2s.
	HeartbeatInterval time.Duration
	// TTL is how long a record outlives its last heartbeat: a node silent
	// this long is dead to its peers. 0 means 3 × HeartbeatInterval; it is
	// raised to 2 × HeartbeatInterval if set lower.
	TTL time.Duration
	// PollInterval is how often the node lists its peers' records to notice
	// deaths; 0 means HeartbeatInterval/2. A death is seen within
	// TTL + HeartbeatInterval + PollInterval of the dead node's last
	// heartbeat: a record missing from a listing counts only once it stayed
	// missing for a HeartbeatInterval, because a Redis that restarted
	// without its data lists nobody until each node has beaten again.
	PollInterval time.Duration
	// OnChange is called for each arrival and death, in order, on the
	// registry's goroutine; it must not block. nil means nobody listens.
	OnChange func(PeerEvent)
	// Logger receives warnings; nil means slog.Default().
	Logger *slog.Logger
	// Outage folds failed heartbeats and listings into a few lines; pass
	// the bus's (BusConfig.Outage) so a node logs one outage. nil means
	// one of the registry's own on Logger.
	Outage *OutageLog
}

func (c RegistryConfig) withDefaults() RegistryConfig {
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 2 * time.Second
	}
	if c.TTL <= 0 {
		c.TTL = 3 * c.HeartbeatInterval
	}
	c.TTL = max(c.TTL, 2*c.HeartbeatInterval)
	if c.PollInterval <= 0 {
		c.PollInterval = c.HeartbeatInterval / 2
	}
	if c.OnChange == nil {
		c.OnChange = func(PeerEvent) {}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Outage == nil {
		c.Outage = NewOutageLog(c.Logger, "registry store", 0)
	}
	return c
}

// Peer is a live node other than this one.
type Peer struct {
	ID      string
	Epoch   uint64 // boot epoch: a new value means the node restarted
	Address string
}

// PeerEventKind says whether a peer arrived or died.
type PeerEventKind int

const (
	// PeerUp: a peer arrived (or restarted with a new epoch).
	PeerUp PeerEventKind = iota + 1
	// PeerDown: a peer left, its record expired, or it restarted (the old
	// epoch goes down before the new one comes up).
	PeerDown
	// SelfLapsed: this node's own record had expired (a Redis outage longer
	// than the TTL, or a Redis that lost its data), so peers took it for
	// dead. The registry has stored and announced it again; the node
	// should rebuild what peers dropped. Peer is this node.
	SelfLapsed
)

func (k PeerEventKind) String() string {
	switch k {
	case PeerUp:
		return "up"
	case PeerDown:
		return "down"
	case SelfLapsed:
		return "self-lapsed"
	}
	return fmt.Sprintf("PeerEventKind(%d)", int(k))
}

// PeerEvent is one change in the set of live peers.
type PeerEvent struct {
	Kind   PeerEventKind
	Peer   Peer
	Reason string // "announced", "heartbeat", "left", "expired", "restarted", "record lost"
}

// Registry keeps this node's presence record alive on the bus's Presence
// store and tracks its peers. Its loop goroutine owns the peer table's
// writes and calls OnChange; announcements arriving on the cluster channel
// are handed to the loop through a bounded queue (a full queue drops them:
// the next poll sees the same facts).
type Registry struct {
	bus    Bus
	cfg    RegistryConfig
	record []byte            // this node's encoded KindHeartbeat envelope
	here   map[string]string // this node's settings, by name (Settings.values)

	announce chan []byte
	stored   bool                 // a heartbeat was stored since start or the last lapse; loop-owned
	missing  map[string]time.Time // peers absent from listings, since when; loop-owned
	reported map[string]string    // per node id, the settings disagreement last logged; loop-owned

	mu         sync.RWMutex
	peers      map[string]Peer
	refused    map[string]Peer       // live nodes refused as peers: their settings refuse this node
	mismatches map[string][]Mismatch // per node id (peer or refused), where its settings differ

	startOnce, closeOnce sync.Once
	done                 chan struct{}
	stopped              chan struct{} // closed when loop returns
}

// NewRegistry prepares a registry for the node that owns bus.
func NewRegistry(bus Bus, cfg RegistryConfig) (*Registry, error) {
	cfg = cfg.withDefaults()
	cfg.Settings = cfg.Settings.withDefaults()
	env := Envelope{Kind: KindHeartbeat, Sender: []byte(bus.NodeID()), Epoch: bus.Epoch(), Payload: recordPayload(cfg.Address, cfg.Settings)}
	record, err := env.Append(nil)
	if err != nil {
		return nil, fmt.Errorf("fanout: registry record: %w", err)
	}
	return &Registry{
		bus: bus, cfg: cfg, record: record, here: cfg.Settings.values(),
		announce:   make(chan []byte, 64),
		peers:      make(map[string]Peer),
		refused:    make(map[string]Peer),
		mismatches: make(map[string][]Mismatch),
		missing:    make(map[string]time.Time),
		reported:   make(map[string]string),
		done:       make(chan struct{}),
		stopped:    make(chan struct{}),
	}, nil
}

// Start subscribes the cluster channel (waiting for it until ctx ends: if
// Redis is down the node starts anyway and joins when it answers), writes
// the first heartbeat, announces the node and starts the loop.
func (r *Registry) Start(ctx context.Context) error {
	err := r.bus.Subscribe(ctx, ClusterChannel, r.onAnnouncement)
	if err != nil && !errors.Is(err, ErrNotConnected) {
		return fmt.Errorf("fanout: registry: %w", err)
	}
	if err != nil {
		r.cfg.Logger.Warn("fanout: registry starts without the cluster channel; it joins when the bus connects", "err", err)
	}
	r.startOnce.Do(func() {
		r.beat()
		r.publish(r.record)
		go r.loop()
	})
	return nil
}

// Peers returns the live peers, sorted by id.
func (r *Registry) Peers() []Peer {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := slices.Collect(maps.Values(r.peers))
	slices.SortFunc(out, func(a, b Peer) int { return cmpString(a.ID, b.ID) })
	return out
}

// Peer returns the live peer id, if any.
func (r *Registry) Peer(id string) (Peer, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.peers[id]
	return p, ok
}

// Close stops the loop, deletes this node's record and announces its
// departure (queued on the bus, which flushes it when it closes). Close the
// registry before the bus. Idempotent.
func (r *Registry) Close() error {
	var err error
	r.closeOnce.Do(func() {
		close(r.done)
		r.startOnce.Do(func() { close(r.stopped) }) // never started: nothing to wait for
		<-r.stopped
		ctx, cancel := context.WithTimeout(context.Background(), r.cfg.HeartbeatInterval)
		defer cancel()
		err = r.bus.DeletePresence(ctx, r.bus.NodeID())
		leave := Envelope{Kind: KindLeave, Sender: []byte(r.bus.NodeID()), Epoch: r.bus.Epoch()}
		bb := bytebufferpool.Get()
		defer bytebufferpool.Put(bb)
		bb.B, _ = leave.Append(bb.B)
		r.publish(bb.B)
	})
	return err
}

func (r *Registry) publish(msg []byte) {
	if err := r.bus.Publish(ClusterChannel, msg); err != nil {
		r.cfg.Logger.Warn("fanout: registry announcement not sent", "err", err)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
