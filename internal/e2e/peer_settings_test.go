package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// clusterNode starts one sidecast binary named id over redisURL in front
// of backend, with env on top of fast registry settings, and waits for its
// health path; port, when not 0, is its SERVER_PORT (a restart keeps it).
func clusterNode(t *testing.T, id, redisURL, backend string, port int, env map[string]string) *pairNode {
	t.Helper()
	if port == 0 {
		port = testkit.FreePort(t)
	}
	ops := testkit.FreePort(t)
	full := map[string]string{
		"SERVER_ID": id, "SERVER_PORT": strconv.Itoa(port), "BACKEND_URL": backend, "REDIS_URL": redisURL,
		"METRICS_PORT": strconv.Itoa(ops), "HEARTBEAT_INTERVAL": "200ms", "HEARTBEAT_TTL": "2s",
		"LOG_LEVEL": "debug", "LOG_FORMAT": "text",
	}
	for k, v := range env {
		full[k] = v
	}
	p := startProc(t, full)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	testkit.WaitUntil(t, procWait, id+"'s health path", func() bool {
		_, code := getHealth(base)
		return code == http.StatusOK
	})
	return &pairNode{id: id, p: p, base: base, ops: "http://127.0.0.1:" + strconv.Itoa(ops)}
}

// mismatch is one entry of the health report's peerMismatches.
type mismatch struct {
	Peer    string `json:"peer"`
	Setting string `json:"setting"`
	Here    string `json:"here"`
	There   string `json:"there"`
	Refused bool   `json:"refused"`
}

// healthMismatches reads the peers n reports as disagreeing with it.
func healthMismatches(t *testing.T, n *pairNode) ([]mismatch, float64) {
	t.Helper()
	code, body := get(t, n.base+"/health", "")
	if code != http.StatusOK {
		t.Fatalf("%s health %d %s", n.id, code, body)
	}
	var h struct {
		Peers      float64    `json:"peers"`
		Mismatches []mismatch `json:"peerMismatches"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("%s health %q: %v", n.id, body, err)
	}
	return h.Mismatches, h.Peers
}

// TestPeerSettingsMismatch: two real nodes over one real Redis whose
// settings disagree. Another PROTOCOL refuses the peer (no mirrors, no
// forwards: peers stays 0); other MIRROR_EVENTS, LOCAL_EVENTS or
// EVENT_FIELD keep it as a peer. Either way each node logs the setting
// with both values, lists it in /health and counts it in
// sidecast_peer_config_mismatch{setting}. Two apps that share a Redis and
// the default REDIS_ADAPTER_KEY show up this way.
func TestPeerSettingsMismatch(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	base := map[string]string{"PROTOCOL": "websocket", "MIRROR_EVENTS": "join,leave", "LOCAL_EVENTS": "joined,left", "EVENT_FIELD": "type"}
	tests := []struct {
		name      string
		b         map[string]string // node-b's settings over base
		settings  []string          // the settings reported, in fanout.SettingNames order
		refused   bool
		wantPeers float64
	}{
		{"protocol", map[string]string{"PROTOCOL": "socketio"}, []string{"protocol"}, true, 0},
		{"mirror events", map[string]string{"MIRROR_EVENTS": "join"}, []string{"mirror_events"}, false, 1},
		{"event field", map[string]string{"EVENT_FIELD": "kind"}, []string{"event_field"}, false, 1},
		{"two apps on one redis", map[string]string{"MIRROR_EVENTS": "join_twin_room,leave_twin_room", "LOCAL_EVENTS": "twin_online"},
			[]string{"mirror_events", "local_events"}, false, 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each case has a cluster of its own; the two apps share the default key.
			key := map[string]string{"REDIS_ADAPTER_KEY": fmt.Sprintf("mismatch%d", i)}
			if tt.name == "two apps on one redis" {
				key = nil
			}
			envB := map[string]string{}
			for _, m := range []map[string]string{base, key, tt.b} {
				for k, v := range m {
					envB[k] = v
				}
			}
			envA := map[string]string{}
			for _, m := range []map[string]string{base, key} {
				for k, v := range m {
					envA[k] = v
				}
			}
			a := clusterNode(t, "node-a", s.URL(), startChat(t).URL, 0, envA)
			b := clusterNode(t, "node-b", s.URL(), startChat(t).URL, 0, envB)
			for _, n := range []*pairNode{a, b} {
				here, there := envA, envB
				if n == b {
					here, there = envB, envA
				}
				var got []mismatch
				testkit.WaitUntil(t, procWait, n.id+" to report the other's settings", func() bool {
					var peers float64
					got, peers = healthMismatches(t, n)
					return len(got) == len(tt.settings) && (tt.refused || peers == tt.wantPeers)
				})
				for j, m := range got {
					env := settingEnv[m.Setting]
					if m.Setting != tt.settings[j] || m.Here != here[env] || m.There != there[env] || m.Refused != tt.refused {
						t.Fatalf("%s reports %+v; want %s %q (here) vs %q (there), refused %v", n.id, m, tt.settings[j], here[env], there[env], tt.refused)
					}
					n.p.waitOutput(&n.p.Stderr, fmt.Sprintf(`level=WARN .*peer.*settings.*peer=%s setting=%s here=\S*%s\S* there=\S*%s`,
						map[bool]string{true: "node-a", false: "node-b"}[n == b], m.Setting, regexp.QuoteMeta(m.Here), regexp.QuoteMeta(m.There)))
					metric := fmt.Sprintf(`sidecast_peer_config_mismatch{setting="%s"}`, m.Setting)
					if v := sample(t, scrape(t, n.ops), metric); v != 1 {
						t.Fatalf("%s: %s = %v, want 1", n.id, metric, v)
					}
				}
				// Both have announced and listed each other by now: a refused
				// node has had every chance to become a peer.
				if _, peers := healthMismatches(t, n); peers != tt.wantPeers {
					t.Fatalf("%s counts %v peers, want %v (refused: %v)", n.id, peers, tt.wantPeers, tt.refused)
				}
			}
		})
	}
}

// awaitHealth polls each node's health until cond holds for its
// mismatches and peer count.
func awaitHealth(t *testing.T, what string, cond func(got []mismatch, peers float64) bool, nodes ...*pairNode) {
	t.Helper()
	for _, n := range nodes {
		testkit.WaitUntil(t, procWait, n.id+": "+what, func() bool { return cond(healthMismatches(t, n)) })
	}
}

// settingEnv names the variable behind each reported setting.
var settingEnv = map[string]string{
	"protocol": "PROTOCOL", "mirror_events": "MIRROR_EVENTS", "local_events": "LOCAL_EVENTS", "event_field": "EVENT_FIELD",
}

// TestRollingMirrorEventsChange: a rolling change of MIRROR_EVENTS keeps
// the cluster working. node-b restarts with one more membership event;
// while the two disagree both stay peers, report the mismatch, and
// messages cross both ways; once node-a follows, the mismatch is gone.
func TestRollingMirrorEventsChange(t *testing.T) {
	s := redistest.Start(t, redistest.Config{})
	oldEnv := map[string]string{"MIRROR_EVENTS": "join,leave", "LOCAL_EVENTS": "joined,left"}
	newEnv := map[string]string{"MIRROR_EVENTS": "join,leave,rejoin", "LOCAL_EVENTS": "joined,left"}
	chatA, chatB := startChat(t).URL, startChat(t).URL
	a := clusterNode(t, "node-a", s.URL(), chatA, 0, oldEnv)
	b := clusterNode(t, "node-b", s.URL(), chatB, 0, oldEnv)
	a.p.waitOutput(&a.p.Stderr, `msg="peer up" node=node-a peer=node-b`)
	alice := joinRoom(t, a.base, "alice", "r")
	bob := joinRoom(t, b.base, "bob", "r")
	crossNodeSay(t, alice, bob, "r", "before the change")

	portB, _ := strconv.Atoi(b.base[len("http://127.0.0.1:"):])
	b.p.Stop()
	b = clusterNode(t, "node-b", s.URL(), chatB, portB, newEnv)
	awaitHealth(t, "the MIRROR_EVENTS mismatch reported and the peer kept", func(got []mismatch, peers float64) bool {
		return len(got) == 1 && got[0].Setting == "mirror_events" && !got[0].Refused && peers == 1
	}, a, b)
	carol := joinRoom(t, b.base, "carol", "r")
	t.Logf("during the change: a→b %s, b→a %s",
		crossNodeSay(t, alice, carol, "r", "a to b, settings differ"), crossNodeSay(t, carol, alice, "r", "b to a, settings differ"))

	portA, _ := strconv.Atoi(a.base[len("http://127.0.0.1:"):])
	a.p.Stop()
	a = clusterNode(t, "node-a", s.URL(), chatA, portA, newEnv)
	awaitHealth(t, "agreement again", func(got []mismatch, peers float64) bool { return len(got) == 0 && peers == 1 }, a, b)
	for _, n := range []*pairNode{a, b} {
		if v := sample(t, scrape(t, n.ops), `sidecast_peer_config_mismatch{setting="mirror_events"}`); v != 0 {
			t.Fatalf("%s still counts %v mismatching peers", n.id, v)
		}
	}
	dave := joinRoom(t, a.base, "dave", "r")
	crossNodeSay(t, carol, dave, "r", "after the change")
}
