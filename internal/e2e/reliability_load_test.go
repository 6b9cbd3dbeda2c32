package e2e

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/demo"
	"github.com/sidecast/sidecast/internal/testkit"
)

// inbox records every said message a client receives, by text, with its
// arrival time; its collect goroutine is owned by the client (it ends when
// the client's connection does).
type inbox struct {
	mu   sync.Mutex
	got  map[string]time.Time
	done chan struct{}
}

func newInbox(c *demo.Client) *inbox {
	in := &inbox{got: make(map[string]time.Time), done: make(chan struct{})}
	go in.collect(c)
	return in
}

func (in *inbox) collect(c *demo.Client) {
	defer close(in.done)
	for d := range c.Messages() {
		if d.Msg.Type != "said" {
			continue
		}
		in.mu.Lock()
		in.got[d.Msg.Text] = d.At
		in.mu.Unlock()
	}
}

// arrivals returns the arrival times of from's messages, by sequence number.
func (in *inbox) arrivals(from string) map[int]time.Time {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make(map[int]time.Time)
	for text, at := range in.got {
		if user, rest, ok := strings.Cut(text, "#"); ok && user == from {
			n, _, _ := strings.Cut(rest, "#") // "<user>#<i>[#padding]"
			i, _ := strconv.Atoi(n)
			out[i] = at
		}
	}
	return out
}

// sender says "<user>#<i>" in a room every interval until stopped or max
// messages are sent; the test owns its loop goroutine.
type sender struct {
	c        *demo.Client
	user     string
	room     string
	interval time.Duration
	max      int
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	sent     []time.Time
	err      error
}

func startSender(c *demo.Client, user, room string, interval time.Duration, max int) *sender {
	s := &sender{c: c, user: user, room: room, interval: interval, max: max,
		stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *sender) loop() {
	defer close(s.done)
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	for i := 0; i < s.max; i++ {
		s.mu.Lock()
		s.sent = append(s.sent, time.Now())
		s.mu.Unlock()
		if err := s.c.Send(wschat.Message{Type: "say", Room: s.room, Text: fmt.Sprintf("%s#%d", s.user, i)}); err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			return
		}
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
	}
}

// halt stops the loop, waits for it and returns the send times.
func (s *sender) halt(t *testing.T) []time.Time {
	t.Helper()
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		t.Fatalf("%s: send: %v", s.user, s.err)
	}
	return s.sent
}

// sentTimes returns a copy of the send times so far.
func (s *sender) sentTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.sent...)
}

// maxGap is the longest wait between consecutive arrivals.
func maxGap(arr map[int]time.Time) time.Duration {
	ts := make([]time.Time, 0, len(arr))
	for _, at := range arr {
		ts = append(ts, at)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	var gap time.Duration
	for i := 1; i < len(ts); i++ {
		gap = max(gap, ts[i].Sub(ts[i-1]))
	}
	return gap
}

// startSteadyChat puts alice and carol on node a, bob and dave on node b,
// all in room, and has alice and bob chat at sayInterval until halted; it
// returns once traffic flows both ways across the nodes. carol's and
// dave's inboxes see the other node's sender and their own node's.
func startSteadyChat(t *testing.T, a, b *pairNode, room string) (atCarol, atDave *inbox, sa, sb *sender) {
	t.Helper()
	alice := joinRoom(t, a.base, "alice", room)
	carol := joinRoom(t, a.base, "carol", room)
	bob := joinRoom(t, b.base, "bob", room)
	dave := joinRoom(t, b.base, "dave", room)
	atCarol, atDave = newInbox(carol), newInbox(dave)
	newInbox(alice)
	newInbox(bob)
	sa = startSender(alice, "alice", room, sayInterval, maxSays)
	sb = startSender(bob, "bob", room, sayInterval, maxSays)
	testkit.WaitUntil(t, procWait, "steady traffic both ways", func() bool {
		return len(atDave.arrivals("alice")) >= 20 && len(atCarol.arrivals("bob")) >= 20
	})
	return atCarol, atDave, sa, sb
}

// waitCrossNodeResume waits until messages sent at or after back cross
// both ways again (alice's reach dave, bob's reach carol) and returns how
// long after back the first of each arrived.
func waitCrossNodeResume(t *testing.T, atCarol, atDave *inbox, sa, sb *sender, back time.Time) (ab, ba time.Duration) {
	t.Helper()
	testkit.WaitUntil(t, procWait, "cross-node delivery to resume", func() bool {
		firstAB, ok1 := firstSince(atDave.arrivals("alice"), sa.sentTimes(), back)
		firstBA, ok2 := firstSince(atCarol.arrivals("bob"), sb.sentTimes(), back)
		ab, ba = firstAB.Sub(back), firstBA.Sub(back)
		return ok1 && ok2
	})
	return ab, ba
}

// countSince counts arrivals of messages sent at or after t0.
func countSince(arr map[int]time.Time, sent []time.Time, t0 time.Time) int {
	n := 0
	for i := range arr {
		if i < len(sent) && !sent[i].Before(t0) {
			n++
		}
	}
	return n
}

// firstSince returns the earliest arrival of a message sent at or after t0.
func firstSince(arr map[int]time.Time, sent []time.Time, t0 time.Time) (time.Time, bool) {
	var first time.Time
	for i, at := range arr {
		if i < len(sent) && !sent[i].Before(t0) && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	return first, !first.IsZero()
}
