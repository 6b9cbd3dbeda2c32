package ops

import (
	"cmp"
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sidecast/sidecast/fanout"
)

// Descriptions of the metrics nodeCollector reads at scrape time.
var (
	descConnections = prometheus.NewDesc("socketio_connections_total",
		"Client sessions connected to this node now (the reference guide's gauge; WebSocket and Socket.IO alike).", nil, nil)
	descSessions = prometheus.NewDesc("sidecast_sessions",
		"Client sessions connected to this node now, by protocol and the transport the client uses.", []string{"protocol", "transport"}, nil)
	descSessionsOpened = prometheus.NewDesc("sidecast_sessions_opened_total",
		"Client sessions ever opened on this node.", nil, nil)
	descSessionDrops = prometheus.NewDesc("sidecast_session_drops_total",
		"Client sessions refused or force-closed, by reason.", []string{"reason"}, nil)
	descMirrors = prometheus.NewDesc("sidecast_mirrors",
		"Mirrors of other nodes' client sessions open on this node's backend.", nil, nil)
	descHomes = prometheus.NewDesc("sidecast_home_sessions",
		"Client sessions of this node known to the mirror mechanism.", nil, nil)
	descPeers = prometheus.NewDesc("sidecast_peers",
		"Live peers in the registry.", nil, nil)
	descFrames = prometheus.NewDesc("sidecast_frames_relayed_total",
		"Frames relayed, by direction: to_backend and to_client on this node's own sessions, mirror_to_home from this node's mirrors through the bus, peer_to_client from other nodes' mirrors to this node's clients.", []string{"direction"}, nil)
	descBytes = prometheus.NewDesc("sidecast_bytes_relayed_total",
		"Payload bytes relayed on this node's own sessions, by direction.", []string{"direction"}, nil)
	descFramesDropped = prometheus.NewDesc("sidecast_frames_dropped_total",
		"Frames dropped on purpose or lost, by reason.", []string{"reason"}, nil)
	descBusPublished = prometheus.NewDesc("sidecast_bus_published_total",
		"Messages the bus transport accepted.", nil, nil)
	descBusReceived = prometheus.NewDesc("sidecast_bus_received_total",
		"Bus messages delivered to a handler.", nil, nil)
	descBusLost = prometheus.NewDesc("sidecast_bus_lost_total",
		"Bus messages lost or refused, by reason.", []string{"reason"}, nil)
	descBusReconnects = prometheus.NewDesc("sidecast_bus_reconnects_total",
		"Times the bus subscription connection was re-established.", nil, nil)
	descSelfChecks = prometheus.NewDesc("sidecast_bus_selfchecks_total",
		"Bus self-check probes, by result.", []string{"result"}, nil)
	descRedisUp = prometheus.NewDesc("sidecast_redis_up",
		"1 while the Redis bus passes its self-check (0 on the in-memory bus).", nil, nil)
	descBackendUp = prometheus.NewDesc("sidecast_backend_up",
		"1 while BACKEND_URL accepts connections.", nil, nil)
	descDraining = prometheus.NewDesc("sidecast_draining",
		"1 while the node drains after SIGTERM/SIGINT.", nil, nil)
	descDrained = prometheus.NewDesc("sidecast_drained_sessions_total",
		"Client sessions told to reconnect elsewhere by the drain.", nil, nil)
	descBarrier = prometheus.NewDesc("sidecast_barrier_timeouts_total",
		"Peers that did not acknowledge a membership barrier within REDIS_REQUESTS_TIMEOUT.", nil, nil)
	descRepair = prometheus.NewDesc("sidecast_mirror_repairs_total",
		"Mirror divergence and repair events, by kind.", []string{"kind"}, nil)
	descEcho = prometheus.NewDesc("sidecast_echo_suspects_total",
		"Identical frames a session got from its home backend and a mirror within ECHO_WINDOW, by event name: candidates for LOCAL_EVENTS.", []string{"event"}, nil)
	descForwards = prometheus.NewDesc("sidecast_forwards_total",
		"Requests for sessions of other nodes, by outcome.", []string{"result"}, nil)
	descMismatch = prometheus.NewDesc("sidecast_peer_config_mismatch",
		"Live nodes of this cluster (same REDIS_ADAPTER_KEY) whose setting differs from this node's, by setting: protocol, bus_format and mirror_format refuse the node as a peer; mirror_events, local_events and event_field keep it.", []string{"setting"}, nil)
)

var allDescs = []*prometheus.Desc{
	descConnections, descSessions, descSessionsOpened, descSessionDrops, descMirrors,
	descHomes, descPeers, descFrames, descBytes, descFramesDropped, descBusPublished,
	descBusReceived, descBusLost, descBusReconnects, descSelfChecks, descRedisUp,
	descBackendUp, descDraining, descDrained, descBarrier, descRepair, descEcho, descForwards,
	descMismatch,
}

// nodeCollector turns the node's Stats snapshots into metrics on each
// scrape; it runs on the scraping request's goroutine.
type nodeCollector struct{ o *Ops }

var _ prometheus.Collector = (*nodeCollector)(nil)

func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	c.collectProxy(ch)
	c.collectBus(ch)
	c.collectCluster(ch)
	o := c.o
	gauge(ch, descPeers, float64(len(o.parts.LivePeers())))
	gauge(ch, descBackendUp, b2f(o.backend.reachable()))
	gauge(ch, descDraining, b2f(o.draining.Load()))
	counter(ch, descDrained, o.drained.Load())
	rs := o.parts.Router.Stats()
	counter(ch, descForwards, rs.Forwarded, "forwarded")
	counter(ch, descForwards, rs.Refused, "refused")
	counter(ch, descForwards, rs.OwnerGone, "owner_gone")
	counter(ch, descForwards, rs.HopUnknown, "hop_unknown")
	c.collectMismatches(ch)
}

// collectMismatches exports every setting, 0 when all peers agree, so an
// alert on the series never misses it for want of a sample.
func (c *nodeCollector) collectMismatches(ch chan<- prometheus.Metric) {
	n := make(map[string]int, len(fanout.SettingNames))
	for _, m := range c.o.parts.PeerMismatches() {
		n[m.Setting]++
	}
	for _, s := range fanout.SettingNames {
		gauge(ch, descMismatch, float64(n[s]), s)
	}
}

func (c *nodeCollector) collectProxy(ch chan<- prometheus.Metric) {
	st := c.o.parts.Proxy.Stats()
	tr := c.o.parts.Proxy.Transports()
	proto := c.o.cfg.Protocol
	gauge(ch, descConnections, float64(st.Sessions))
	gauge(ch, descSessions, float64(tr.WebSocket), proto, "websocket")
	if c.o.cfg.EngineIO() {
		gauge(ch, descSessions, float64(tr.Polling), proto, "polling")
	}
	counter(ch, descSessionsOpened, st.SessionsTotal)
	counter(ch, descFrames, st.MessagesToBackend, "to_backend")
	counter(ch, descFrames, st.MessagesToClient, "to_client")
	counter(ch, descBytes, st.BytesToBackend, "to_backend")
	counter(ch, descBytes, st.BytesToClient, "to_client")
	d := st.Drops
	for _, r := range []struct {
		v      uint64
		reason string
	}{
		{d.MaxConnections, "max_connections"}, {d.BackendDial, "backend_dial"},
		{d.SlowClient, "slow_client"}, {d.SlowBackend, "slow_backend"},
		{d.ClientProtocol, "client_protocol"}, {d.BackendProtocol, "backend_protocol"},
		{d.TooLarge, "too_large"}, {d.BackendLost, "backend_lost"}, {d.Syncing, "syncing"},
	} {
		counter(ch, descSessionDrops, r.v, r.reason)
	}
	unfinished, perIP := c.o.parts.ListenerDrops()
	counter(ch, descSessionDrops, unfinished, "unfinished_request")
	if c.o.cfg.MaxConnsPerIP > 0 {
		counter(ch, descSessionDrops, perIP, "max_connections_per_ip")
	}
}

func (c *nodeCollector) collectBus(ch chan<- prometheus.Metric) {
	o := c.o
	st, status := o.parts.Bus.Stats(), o.parts.Bus.Status()
	counter(ch, descBusPublished, st.Published)
	counter(ch, descBusReceived, st.Delivered)
	counter(ch, descBusLost, st.DroppedQueueFull, "queue_full")
	counter(ch, descBusLost, st.DroppedTransport, "transport")
	counter(ch, descBusLost, st.DroppedNoReceiver, "no_receiver")
	counter(ch, descBusLost, st.UnknownVersion, "unknown_version")
	counter(ch, descBusLost, st.Malformed, "malformed")
	counter(ch, descBusLost, st.Unauthenticated, "unauthenticated")
	counter(ch, descBusLost, st.Unhandled, "unhandled")
	counter(ch, descBusReconnects, st.Reconnects)
	counter(ch, descSelfChecks, st.SelfChecksOK, "ok")
	counter(ch, descSelfChecks, st.SelfChecksFailed, "failed")
	gauge(ch, descRedisUp, b2f(o.cfg.Bus.Redis && status.Healthy))
}

// collectCluster reports the mirror counters; with MIRRORS=off they are
// zero, so dashboards and alerts need no special case.
func (c *nodeCollector) collectCluster(ch chan<- prometheus.Metric) {
	cs, _ := c.o.parts.Cluster()
	gauge(ch, descMirrors, float64(cs.Mirrors))
	gauge(ch, descHomes, float64(cs.Homes))
	counter(ch, descFrames, cs.Relayed, "mirror_to_home")
	counter(ch, descFrames, cs.Delivered, "peer_to_client")
	counter(ch, descFramesDropped, cs.DroppedLocal, "local_event")
	counter(ch, descFramesDropped, cs.DroppedReplies, "mirror_reply")
	counter(ch, descFramesDropped, cs.ControlDropped, "control_refused")
	counter(ch, descBarrier, cs.BarrierTimeouts)
	counter(ch, descRepair, cs.Diverged, "diverged")
	counter(ch, descRepair, cs.SequenceGaps, "sequence_gap")
	counter(ch, descRepair, cs.Resyncs, "resync")
	counter(ch, descRepair, cs.MirrorDialFailures, "dial_failed")
	counter(ch, descRepair, cs.MirrorRefused, "connect_refused")
	counter(ch, descRepair, cs.ReplyTimeouts, "reply_timeout")
	counter(ch, descRepair, cs.Kicks, "kick")
	collectEchoes(ch, cs.Echoes)
}

// maxEchoLabels bounds the echo metric's label values: event names come
// from the backend, and a scrape must stay small whatever it emits.
const maxEchoLabels = 100

// collectEchoes reports the most frequent names and sums the rest under
// "(other)"; /admin/stats has every name.
func collectEchoes(ch chan<- prometheus.Metric, echoes map[string]uint64) {
	names := slices.SortedFunc(maps.Keys(echoes), func(a, b string) int {
		return cmp.Or(cmp.Compare(echoes[b], echoes[a]), cmp.Compare(a, b))
	})
	var other uint64
	for i, name := range names {
		if i < maxEchoLabels {
			counter(ch, descEcho, echoes[name], name)
		} else {
			other += echoes[name]
		}
	}
	if len(names) > maxEchoLabels {
		counter(ch, descEcho, other, "(other)")
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v uint64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
