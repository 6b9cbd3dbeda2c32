package difftest

import "time"

// World is where a scenario plays: the oracle (one backend, no sidecast) or
// a cluster of sidecast nodes, each in front of its own backend. Node
// indexes run from 0 to Scenario.Nodes-1; the oracle maps them all to its
// one backend.
type World interface {
	// Oracle reports whether this is the one-backend oracle.
	Oracle() bool
	// ClientURL is where a client entering through node k connects.
	ClientURL(k int) string
	// BackendURL is backend k's own base URL, for plain HTTP requests
	// (broadcast endpoints, /stats).
	BackendURL(k int) string
	// Kill ends node k's sidecast with SIGKILL (the oracle drops the
	// node's clients instead; the Script does that itself).
	Kill(k int) error
	// Pause stops node k's sidecast with SIGSTOP; Resume continues it.
	Pause(k int) error
	Resume(k int) error
	// StartLate starts node k, which was left out when the world started
	// because the scenario lists it in Late.
	StartLate(k int) error
	// BarrierTimeouts is how many barrier timeouts the running, unpaused
	// nodes counted so far (0 for the oracle).
	BarrierTimeouts() (float64, error)
}

// Backend is the example server a scenario runs against.
type Backend string

// The example backends.
const (
	// Chat is examples/socketio-chat behind PROTOCOL=socketio.
	Chat Backend = "socketio-chat"
	// Notice is examples/socketio-notice behind PROTOCOL=socketio.
	Notice Backend = "socketio-notice"
	// WSChat is examples/wschat behind PROTOCOL=websocket.
	WSChat Backend = "wschat"
)

// Settings are the environment a backend kind needs from sidecast: the
// values an operator would choose for that server.
func (b Backend) Settings() map[string]string {
	switch b {
	case Notice:
		return map[string]string{"PROTOCOL": "socketio", "MIRROR_EVENTS": "join,leave",
			"LOCAL_EVENTS": "new_message@from=system"}
	case WSChat:
		return map[string]string{"PROTOCOL": "websocket", "EVENT_FIELD": "type", "MIRROR_EVENTS": "join,leave",
			"LOCAL_EVENTS": "joined,left"}
	}
	return map[string]string{"PROTOCOL": "socketio", "MIRROR_EVENTS": "join_twin_room,leave_twin_room",
		"MIRROR_EVENT_REPLY": "room_joined", "LOCAL_EVENTS": "welcome,room_joined,twin_online,twin_offline"}
}

// Scenario is one scripted behaviour of the table in docs/design.md,
// Contract.
type Scenario struct {
	Name    string
	Backend Backend
	// Nodes is how many sidecast nodes the cluster run spreads clients over.
	Nodes int
	// Late lists nodes the cluster starts only when the script says so.
	Late []int
	// Processes: the scenario kills or pauses a node, so its nodes must be
	// separate processes (the Redis run only).
	Processes bool
	// Dedicated: the scenario gets sidecast nodes of its own, started with
	// Env on top of the usual settings (short TTLs, a late node or a killed
	// one do not disturb other scenarios).
	Dedicated bool
	Env       map[string]string
	// FreshBackends: a dedicated scenario also gets backends of its own
	// (they start their ack ids alike, at zero).
	FreshBackends bool
	// Disturbs: a peer is killed or paused, so barrier timeouts are expected.
	Disturbs bool
	// Controls are settings under which the scenario must fail on the
	// in-memory bus: proof that it detects what those settings break.
	Controls []Control
	Run      func(s *Script)
}

// Timings the cluster worlds use unless a scenario's Env says otherwise:
// short enough for a quick suite, generous enough for a loaded two-core
// machine running with -race.
var DefaultEnv = map[string]string{
	"HEARTBEAT_INTERVAL":     "250ms",
	"HEARTBEAT_TTL":          "4s",
	"REDIS_REQUESTS_TIMEOUT": "3000",
}

// Duration reads a timing setting from the scenario's Env, then
// DefaultEnv; REDIS_REQUESTS_TIMEOUT is in milliseconds.
func (sc *Scenario) Duration(name string) time.Duration {
	v, ok := sc.Env[name]
	if !ok {
		v = DefaultEnv[name]
	}
	if name == "REDIS_REQUESTS_TIMEOUT" {
		v += "ms"
	}
	d, _ := time.ParseDuration(v)
	return d
}

// Control is a deliberately wrong setting for a scenario (see
// Scenario.Controls).
type Control struct {
	Name string
	Env  map[string]string
}

// noEcho lists no echo event at all: every backend's echo reaches the
// clients once per node.
var noEcho = Control{Name: "no-local-events", Env: map[string]string{"LOCAL_EVENTS": "no_such_event"}}
