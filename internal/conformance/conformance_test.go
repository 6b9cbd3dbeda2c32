package conformance

import (
	"flag"
	"fmt"
	"strings"
	"testing"
)

// Heartbeats of the two server set-ups: one far away, so no ping lands in
// an exchange, and one fast, for the exchanges about the heartbeat (its
// pingTimeout leaves a loaded machine time to answer a ping).
var (
	slowPing = []string{"PING_INTERVAL=10000", "PING_TIMEOUT=5000"}
	fastPing = []string{"PING_INTERVAL=300", "PING_TIMEOUT=1000"}
)

var showTranscripts = flag.Bool("transcripts", false, "log every exchange's transcript")

// pair is the reference server and sidecast in front of its own copy.
type pair struct{ ref, side *target }

func startPair(t *testing.T, mode, protocol, path string, env []string) pair {
	t.Helper()
	ref := StartPeer(t, mode, env...)
	backend := StartPeer(t, mode, env...)
	return pair{ref: referenceTarget(ref, path), side: startSidecast(t, backend, protocol, path)}
}

// TestEngineIOConformance plays the Engine.IO table against engine.io and
// against sidecast (PROTOCOL=engineio) in front of it.
func TestEngineIOConformance(t *testing.T) {
	slow := startPair(t, ModeEngineIO, "engineio", "/engine.io/", slowPing)
	fast := startPair(t, ModeEngineIO, "engineio", "/engine.io/", fastPing)
	runTable(t, eioExchanges, func(ex exchange) pair {
		if ex.fast {
			return fast
		}
		return slow
	})
}

// TestSocketIOConformance plays the Socket.IO table against socket.io and
// against sidecast (PROTOCOL=socketio) in front of it.
func TestSocketIOConformance(t *testing.T) {
	slow := startPair(t, ModeSocketIO, "socketio", "/socket.io/", slowPing)
	runTable(t, sioExchanges, func(exchange) pair { return slow })
}

func runTable(t *testing.T, table []exchange, pairFor func(exchange) pair) {
	perTransport := map[string]int{}
	var allowed []string
	for _, ex := range table {
		perTransport[ex.transport]++
		t.Run(ex.name, func(t *testing.T) {
			pr := pairFor(ex)
			want := play(t, pr.ref, ex)
			got := play(t, pr.side, ex)
			if *showTranscripts {
				t.Logf("reference:\n%ssidecast:\n%s", transcript(want), transcript(got))
			}
			for i, s := range ex.steps {
				if want[i] == got[i] {
					continue
				}
				if s.differs != "" {
					allowed = append(allowed, fmt.Sprintf("%s, step %d: %s", ex.name, i+1, s.differs))
					t.Logf("allowed difference at step %d (%s):\n  reference: %s\n  sidecast:  %s", i+1, s.differs, want[i], got[i])
					continue
				}
				t.Errorf("step %d differs:\n  reference: %s\n  sidecast:  %s\nreference transcript:\n%s\nsidecast transcript:\n%s",
					i+1, want[i], got[i], transcript(want), transcript(got))
				return
			}
		})
	}
	t.Logf("%d exchanges by transport: %v; allowed differences seen: %d", len(table), perTransport, len(allowed))
	for _, a := range allowed {
		t.Logf("  allowed: %s", a)
	}
}

func transcript(recs []string) string {
	var b strings.Builder
	for i, r := range recs {
		fmt.Fprintf(&b, "  %2d %s\n", i+1, r)
	}
	return b.String()
}
