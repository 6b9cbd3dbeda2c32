package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/demo"
	"github.com/sidecast/sidecast/internal/testkit"
)

// pairNode is one sidecast binary of a two-node cluster, with its own
// backend.
type pairNode struct {
	id   string
	p    *proc
	base string // SERVER_PORT
	ops  string // METRICS_PORT
}

// startPair runs two sidecast binaries (node-a, node-b), each in front of
// its own example backend, over the Redis at redisURL, and waits until each
// sees the other and reports Redis healthy (a node serves before its bus
// has passed its first self-check). extra is added to both environments.
func startPair(t *testing.T, redisURL string, extra map[string]string) [2]*pairNode {
	t.Helper()
	return startPairWith(t, redisURL, [2]string{startChat(t).URL, startChat(t).URL}, extra)
}

// startPairWith is startPair in front of the given backends.
func startPairWith(t *testing.T, redisURL string, backends [2]string, extra map[string]string) [2]*pairNode {
	t.Helper()
	var nodes [2]*pairNode
	for i, id := range []string{"node-a", "node-b"} {
		ops := testkit.FreePort(t)
		env := map[string]string{
			"SERVER_ID": id, "REDIS_URL": redisURL, "METRICS_PORT": strconv.Itoa(ops),
			"MIRROR_EVENTS": "join,leave", "LOCAL_EVENTS": "joined,left",
			"HEARTBEAT_INTERVAL": "200ms", "HEARTBEAT_TTL": "5s", "LOG_LEVEL": "debug",
		}
		for k, v := range extra {
			env[k] = v
		}
		p, base := startNodeProc(t, backends[i], env)
		nodes[i] = &pairNode{id: id, p: p, base: base, ops: "http://127.0.0.1:" + strconv.Itoa(ops)}
	}
	a, b := nodes[0], nodes[1]
	a.p.waitOutput(&a.p.Stderr, `msg="peer up" node=node-a peer=node-b`)
	b.p.waitOutput(&b.p.Stderr, `msg="peer up" node=node-b peer=node-a`)
	for _, n := range nodes {
		testkit.WaitUntil(t, procWait, n.id+" to report Redis healthy", func() bool {
			h, _ := getHealth(n.base)
			return h["status"] == "ok" && h["redis"] == true
		})
	}
	return nodes
}

// joinRoom connects user to base and joins room, waiting for the home
// backend's own joined reply.
func joinRoom(t *testing.T, base, user, room string) *demo.Client {
	t.Helper()
	ctx := context.Background()
	c, err := demo.Dial(ctx, demo.WSURL(base), user)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Send(wschat.Message{Type: "join", Room: room}); err != nil {
		t.Fatal(err)
	}
	if _, err := awaitMessage(c, func(m wschat.Message) bool { return m.Type == "joined" && m.User == user }); err != nil {
		t.Fatalf("%s: join %s: %v", user, room, err)
	}
	return c
}

// awaitMessage reads c until a message matches, skipping others.
func awaitMessage(c *demo.Client, match func(wschat.Message) bool) (demo.Delivery, error) {
	deadline := time.Now().Add(demo.ScriptWait)
	for {
		d, err := c.Next(context.Background(), time.Until(deadline))
		if err != nil {
			return d, err
		}
		if match(d.Msg) {
			return d, nil
		}
	}
}

// crossNodeSay has from say text and checks that to, on the other node,
// receives it.
func crossNodeSay(t *testing.T, from, to *demo.Client, room, text string) time.Duration {
	t.Helper()
	start := time.Now()
	if err := from.Send(wschat.Message{Type: "say", Room: room, Text: text}); err != nil {
		t.Fatal(err)
	}
	d, err := awaitMessage(to, func(m wschat.Message) bool { return m.Type == "said" && m.Text == text })
	if err != nil {
		t.Fatalf("%q did not cross nodes: %v", text, err)
	}
	return d.At.Sub(start)
}
