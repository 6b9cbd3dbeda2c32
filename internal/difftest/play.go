package difftest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// markerUser is the user of the quiescence markers' clients.
const markerUser = "mk"

// quiesceText is the marker announcement's text.
const quiesceText = "quiesce-marker"

// Options are how Play runs a scenario.
type Options struct {
	Root   string        // repository root (testkit.RepoRoot)
	Prefix string        // makes users and rooms unique on shared backends
	Wait   time.Duration // bounds each condition; 0 means 10s
	Limit  time.Duration // bounds the whole play; 0 means 120s
	// Peer, when set, is a running peer process this play shares (see
	// StartPeer); otherwise a play that needs one starts its own.
	Peer *Peer
}

// Result is one play of a scenario in one world.
type Result struct {
	Streams Streams
	Senders map[string]bool // the scenario's users, as they appear in streams
	Err     error           // the first failed step, or a failed quiescence wait
	Notes   []string
	Elapsed time.Duration
}

// Play runs sc in w: the script, then quiescence markers through every
// live node, then the observations as normalised streams.
func Play(ctx context.Context, sc *Scenario, w World, o Options) Result {
	if o.Wait == 0 {
		o.Wait = 10 * time.Second
	}
	if o.Limit == 0 {
		o.Limit = 120 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.Limit)
	defer cancel()
	start := time.Now()
	s := &Script{ctx: ctx, w: w, sc: sc, root: o.Root, prefix: o.Prefix, wait: o.Wait, box: newInbox(),
		ws: map[string]*wsClient{}, clients: map[string]*client{}, dead: map[int]bool{}, acks: map[ackKey]string{},
		ignored: map[string]bool{}}
	if o.Peer != nil {
		s.peer = o.Peer
		s.unroute = o.Peer.route(s.prefix, s.box)
	}
	defer s.Close()
	for _, k := range sc.Late {
		s.dead[k] = true
	}
	sc.Run(s)
	if s.err == nil {
		s.quiesce()
	}
	res := Result{Err: s.err, Notes: s.notes}
	streams, err := buildStreams(s.box.snapshot(), s.prefix, s.acks)
	if err != nil && res.Err == nil {
		res.Err = err
	}
	for name := range s.ignored {
		delete(streams, name)
	}
	res.Streams = streams
	res.Senders = map[string]bool{}
	for _, c := range s.clients {
		res.Senders[c.user] = true
	}
	res.Elapsed = time.Since(start)
	return res
}

// liveNodes are the nodes a marker can go through.
func (s *Script) liveNodes() []int {
	var out []int
	for k := range s.sc.Nodes {
		if !s.dead[k] {
			out = append(out, k)
		}
	}
	return out
}

// quiesce proves every client has received everything the scenario caused
// by sending a marker through each live node after the script: a node's
// frames to one client travel in order, so a client holding every node's
// marker holds every earlier frame too — and any duplicate sent before it.
func (s *Script) quiesce() {
	switch s.sc.Backend {
	case WSChat:
		s.quiesceWS()
		return
	case Notice:
		s.quiesceNotice()
		return
	}
	nodes := s.liveNodes()
	var markers []string
	for _, k := range nodes {
		s.Connect(markerName(k), markerUser+itoa(k), k)
		markers = append(markers, markerUser+itoa(k))
	}
	// A mirror's CONNECT is written before the home's connect completes,
	// not necessarily processed: wait until every backend has the markers,
	// so each marker reaches the other markers too.
	for _, k := range nodes {
		s.expectOnlineIncludes(k, markers)
	}
	for _, k := range nodes {
		s.Emit(markerName(k), "announce", map[string]string{"text": quiesceText})
	}
	for name, c := range s.clients {
		if c.connected && c.nsp == "/" {
			s.awaitMarkers(name, "announcement", len(nodes))
		}
	}
}

func markerName(k int) string { return "~marker" + itoa(k) }

func itoa(k int) string { return strconv.Itoa(k) }

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (s *Script) awaitMarkers(name, event string, n int) {
	s.waitFor(fmt.Sprintf("%s to receive %d quiescence markers", name, n), func(msgs []Msg) bool {
		got := 0
		for i := range msgs {
			if m := &msgs[i]; m.Name == name && m.Type == "event" && m.Event == event && argsContain(m, quiesceText) {
				got++
			}
		}
		return got >= n
	})
}

// quiesceWS announces a marker over HTTP on every live backend to every room
// a live client is in; wschat relays it as "said" from "server".
func (s *Script) quiesceWS() {
	rooms := map[string]bool{}
	for _, c := range s.clients {
		if c.connected {
			for r := range c.rooms {
				rooms[r] = true
			}
		}
	}
	sorted := sortedSet(rooms)
	var reqs []Request
	for _, k := range s.liveNodes() {
		for _, r := range sorted {
			// Each node's marker differs, or the echo detector would rightly
			// flag identical frames from home and from a mirror.
			reqs = append(reqs, Request{Node: k, Path: "/rooms/" + s.P(r) + "/announce", Body: quiesceText + "-" + itoa(k)})
		}
	}
	s.Post(reqs...)
	for name, c := range s.clients {
		if c.connected && len(c.rooms) > 0 {
			s.awaitMarkers(name, "said", len(c.rooms)*len(s.liveNodes()))
		}
	}
}

// Describe is a one-line account of a result's notes.
func (r Result) Describe() string { return strings.Join(r.Notes, "; ") }
