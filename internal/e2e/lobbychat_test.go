package e2e

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// lobbyDir is the Socket.IO chat-example-style test backend.
const lobbyDir = "internal/e2e/lobbychat"

// lobbyEnv is what an operator sets for it: event names with spaces, the
// join mirrored so every backend counts every user, and the notices every
// backend sends for the same arrival or departure local.
var lobbyEnv = map[string]string{
	"PROTOCOL": "socketio", "MIRROR_EVENTS": "add user",
	"LOCAL_EVENTS": "login,user joined,user left",
}

// TestLobbyChatOneNodeVsCluster: a chat in the style of the Socket.IO
// project's own example, played by real socket.io-clients on one backend
// (one node) and on 2 and 3 sidecast nodes over Redis, each in front of
// its own backend. Every client gets the same events with the same
// payloads, numUsers included.
func TestLobbyChatOneNodeVsCluster(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	peer := siotest.StartPeer(t)
	oracle := playLobby(t, peer, "one", []string{startLobby(t).URL})
	for user, evs := range oracle {
		t.Logf("one node, %s got: %s", user, strings.Join(evs, " | "))
	}
	for _, n := range []int{2, 3} {
		t.Run(strconv.Itoa(n)+"-nodes", func(t *testing.T) {
			backends := make([]string, n)
			for i := range backends {
				backends[i] = startLobby(t).URL
			}
			nodes := startNodes(t, rs.URL(), backends, lobbyEnv)
			urls := make([]string, n)
			for i, nd := range nodes {
				urls[i] = nd.base
			}
			got := playLobby(t, peer, fmt.Sprintf("n%d", n), urls)
			for user, want := range oracle {
				if !slices.Equal(got[user], want) {
					t.Errorf("%s on %d nodes got\n  %s\nwant (one node)\n  %s", user, n,
						strings.Join(got[user], " | "), strings.Join(want, " | "))
				}
			}
		})
	}
}

func startLobby(t *testing.T) *testkit.NodeServer {
	t.Helper()
	s, err := testkit.StartNodeServer(lobbyDir, "socket.io")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// playLobby plays the chat with ann, ben and cat entering through urls in
// turn, and returns what each received. Each step waits for what it causes,
// so one node and a cluster see the same sequence.
func playLobby(t *testing.T, peer *siotest.Peer, run string, urls []string) map[string][]string {
	t.Helper()
	users := []string{"ann", "ben", "cat"}
	sock := func(u string) string { return run + "-" + u }
	for i, u := range users {
		peer.MustConnect(t, siotest.Conn{Name: sock(u), URL: urls[i%len(urls)]})
		peer.Emit(t, sock(u), "add user", u)
		peer.WaitEvent(t, sock(u), "login")
		for _, before := range users[:i] {
			peer.WaitEvent(t, sock(before), "user joined")
		}
	}
	others := func(u string) []string {
		var out []string
		for _, o := range users {
			if o != u {
				out = append(out, o)
			}
		}
		return out
	}
	peer.Emit(t, sock("ann"), "new message", "hello, lobby")
	for _, o := range others("ann") {
		peer.WaitEvent(t, sock(o), "new message")
	}
	peer.Emit(t, sock("ben"), "typing")
	for _, o := range others("ben") {
		peer.WaitEvent(t, sock(o), "typing")
	}
	peer.Emit(t, sock("ben"), "stop typing")
	for _, o := range others("ben") {
		peer.WaitEvent(t, sock(o), "stop typing")
	}
	peer.Disconnect(t, sock("cat"))
	for _, o := range others("cat") {
		peer.WaitEvent(t, sock(o), "user left")
	}
	// Markers through both remaining homes: anything still on its way
	// (a notice doubled by a second backend) arrives before them.
	peer.Emit(t, sock("ann"), "new message", "marker from ann")
	peer.Emit(t, sock("ben"), "new message", "marker from ben")
	peer.WaitEvent(t, sock("ann"), "new message")
	peer.WaitEvent(t, sock("ben"), "new message")
	peer.Disconnect(t, sock("ann"))
	peer.WaitEvent(t, sock("ben"), "user left") // ann's, or ben's own disconnect races it
	peer.Disconnect(t, sock("ben"))
	out := make(map[string][]string, len(users))
	for _, u := range users {
		out[u] = peer.Events(sock(u))
	}
	return out
}

// startNodes runs one sidecast binary in front of each backend over the
// Redis at redisURL and waits until each sees all the others.
func startNodes(t *testing.T, redisURL string, backends []string, extra map[string]string) []*pairNode {
	t.Helper()
	nodes := make([]*pairNode, len(backends))
	for i, backend := range backends {
		id := "node-" + strconv.Itoa(i)
		ops := testkit.FreePort(t)
		env := map[string]string{
			"SERVER_ID": id, "REDIS_URL": redisURL, "METRICS_PORT": strconv.Itoa(ops),
			"HEARTBEAT_INTERVAL": "200ms", "HEARTBEAT_TTL": "5s",
		}
		for k, v := range extra {
			env[k] = v
		}
		p, base := startNodeProc(t, backend, env)
		nodes[i] = &pairNode{id: id, p: p, base: base, ops: "http://127.0.0.1:" + strconv.Itoa(ops)}
	}
	testkit.WaitUntil(t, procWait, "every node sees the others", func() bool {
		for _, n := range nodes {
			h, _ := getHealth(n.base)
			if peers, _ := h["peers"].(float64); int(peers) != len(nodes)-1 {
				return false
			}
		}
		return true
	})
	return nodes
}
