package e2e

import (
	"fmt"
	"strconv"
	"syscall"
	"testing"
)

// The load of the round-robin tests: 200 clients, 50 acked emits each, in
// rooms of four whose members land on different nodes.
const (
	lbClients  = 200
	lbEmits    = 50
	lbRoomSize = 4
)

// TestStickyRoundRobin puts the real nginx and the real HAProxy, each with
// its example configuration (plain round-robin), in front of three sidecast
// nodes, and runs socket.io-client load through each, long-polling only and
// with the default transports (polling, then the websocket upgrade). Every
// request may land on any node: sidecast forwards it to the session's
// owner, so no client sees a connect error or "Session ID unknown", and
// every emit is acked. Each client also receives every message of its room,
// whose members sit on other nodes (mirror sessions).
func TestStickyRoundRobin(t *testing.T) {
	nodes := startStickyCluster(t, 3, map[string]string{"CLUSTER_SECRET": "sticky-test-secret"})
	lbs := []struct {
		name string
		addr string
	}{
		{"nginx", startNginxLB(t, nodeAddrs(nodes))},
		{"haproxy", startHAProxyLB(t, nodeAddrs(nodes))},
	}
	transports := []struct {
		name string
		list []string
	}{
		{"polling", []string{"polling"}},
		{"default", nil},
	}
	for _, lb := range lbs {
		for _, tr := range transports {
			t.Run(lb.name+"/"+tr.name, func(t *testing.T) {
				s := runLoad(t, loadRun{
					URL: "http://" + lb.addr, Clients: lbClients, Emits: lbEmits, RoomSize: lbRoomSize,
					Transports: tr.list, Prefix: fmt.Sprintf("%s-%s-", lb.name, tr.name),
					TimeoutMs: 15000, DeadlineMs: 150000,
				})
				t.Logf("%+v", s)
				checkLoad(t, s, tr.list == nil)
			})
		}
	}
	checkForwards(t, nodes)
}

// checkForwards stops the nodes and reads what each router did: the
// balancer spread each session's requests over the nodes, so forwards
// happened, and none was refused or lost.
func checkForwards(t *testing.T, nodes []*stickyNode) {
	t.Helper()
	total := 0
	for _, nd := range nodes {
		nd.proc.signal(syscall.SIGTERM)
		if code := nd.proc.exitCode(); code != 0 { // 66: the race detector found a race
			t.Errorf("%s exited with %d after SIGTERM, want 0", nd.id, code)
		}
		m := nd.proc.waitOutput(&nd.proc.Stderr, `forwarded=(\d+) refused=(\d+) owner_gone=(\d+) hop_unknown=(\d+)`)
		t.Logf("%s: forwarded %s, refused %s, owner gone %s, hop unknown %s", nd.id, m[1], m[2], m[3], m[4])
		n, _ := strconv.Atoi(m[1])
		total += n
		if m[2] != "0" || m[3] != "0" || m[4] != "0" {
			t.Errorf("%s refused or lost forwards", nd.id)
		}
	}
	if total == 0 {
		t.Errorf("no request was forwarded: the balancer did not spread sessions' requests")
	}
}

// checkLoad asserts a clean run: everyone connected, no session lost, every
// emit acked, every room message delivered once.
func checkLoad(t *testing.T, s loadSummary, upgrades bool) {
	t.Helper()
	if s.ConnectErrors != 0 || s.Connected != lbClients || s.SessionUnknown != 0 {
		t.Errorf("%d of %d connected, %d connect errors, %d Session ID unknown; samples %q",
			s.Connected, lbClients, s.ConnectErrors, s.SessionUnknown, s.ErrorSamples)
	}
	if s.TransportErrors != 0 || s.UnexpectedDisconnects != 0 || s.UpgradeErrors != 0 {
		t.Errorf("%d transport errors, %d unexpected disconnects, %d failed upgrades; samples %q",
			s.TransportErrors, s.UnexpectedDisconnects, s.UpgradeErrors, s.ErrorSamples)
	}
	if want := lbClients * lbEmits; s.Acks != want || s.AckErrors != 0 || s.Joined != lbClients {
		t.Errorf("%d joins, %d acks of %d, %d ack errors; samples %q", s.Joined, s.Acks, want, s.AckErrors, s.ErrorSamples)
	}
	if upgrades && s.Upgrades != s.Connected {
		t.Errorf("%d of %d connections upgraded to websocket", s.Upgrades, s.Connected)
	}
	if s.BroadcastReceived != s.BroadcastExpected || s.BroadcastDuplicates != 0 {
		t.Errorf("cross-node room broadcasts: received %d of %d, %d duplicates",
			s.BroadcastReceived, s.BroadcastExpected, s.BroadcastDuplicates)
	}
}

// TestStickyForwardingOff is the same set-up with FORWARDING=off: a
// round-robin balancer then sends a session's requests to nodes that do not
// hold it, and clients see "Session ID unknown" — the failure sidecast's
// forwarding exists to prevent.
func TestStickyForwardingOff(t *testing.T) {
	nodes := startStickyCluster(t, 3, map[string]string{"FORWARDING": "off"})
	addr := startNginxLB(t, nodeAddrs(nodes))
	const clients = 20
	s := runLoad(t, loadRun{
		URL: "http://" + addr, Clients: clients, Emits: 5, RoomSize: lbRoomSize,
		Transports: []string{"polling"}, Prefix: "off-", TimeoutMs: 5000, DeadlineMs: 30000,
	})
	t.Logf("%+v", s)
	// Round-robin over three nodes: a session's next request reaches its
	// owner one time in three, so most sessions fail.
	if s.SessionUnknown < clients/2 {
		t.Errorf("only %d Session ID unknown answers for %d polling clients with forwarding off", s.SessionUnknown, clients)
	}
	if s.Acks == clients*5 {
		t.Errorf("every emit was acked with forwarding off: the balancer was not round-robin")
	}
}
