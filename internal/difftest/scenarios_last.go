package difftest

import (
	"strconv"
	"time"
)

// pausedPeer: node 2 is stopped (SIGSTOP) for longer than the TTL while
// sessions open and join elsewhere. Each home node waits for it at most
// once (REDIS_REQUESTS_TIMEOUT); once resumed it has mirrors of the
// sessions opened meanwhile, so a client on it talks with them.
func pausedPeer(s *Script) {
	bound := s.sc.Duration("REDIS_REQUESTS_TIMEOUT")
	ttl := s.sc.Duration("HEARTBEAT_TTL")
	s.Pause(2)
	paused := time.Now()
	var ops [2][]time.Duration // membership round trips by home node
	ops[0] = append(ops[0], s.Connect("a", "a", 0))
	ops[1] = append(ops[1], s.Connect("b", "b", 1))
	ops[0] = append(ops[0], s.Join("a", "r0"))
	ops[1] = append(ops[1], s.Join("b", "r0"))
	ops[0] = append(ops[0], s.Join("a", "r"))
	ops[1] = append(ops[1], s.Join("b", "r"))
	s.Send("a", "r0", "while paused")
	s.Await("b", "new_message", 1)
	if !s.Oracle() {
		for home, ds := range ops {
			slow := 0
			for _, d := range ds {
				if d > bound/2 {
					slow++
				}
				s.Check(d < bound+3*time.Second, "node %d: a membership step took %v, more than %v", home, d, bound)
			}
			s.Check(slow <= 1, "node %d: %d membership steps stalled (%v); want at most one", home, slow, ds)
			s.Note("node %d steps while paused %v", home, roundAll(ds))
		}
		s.ExpectBarrierTimeouts(1, 2) // one per home node at most, and this scenario must cause one
		s.Hold(ttl + time.Second - time.Since(paused))
	}
	s.Resume(2)
	d := s.ExpectOnline(2, []string{"a", "b"})
	s.Note("resumed node had the users after %v", d.Round(time.Millisecond))
	s.Connect("c", "c", 2)
	s.Join("c", "r")
	s.Send("c", "r", "back")
	s.Send("a", "r", "hello c")
	s.Await("a", "new_message", 3)
	s.Await("b", "new_message", 3)
	s.Await("c", "new_message", 2)
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// noticeAndChat: socketio-notice emits new_message as the join notice
// (from: system, every backend) and as chat (from: the sender, one
// backend); LOCAL_EVENTS=new_message@from=system keeps both right.
func noticeAndChat(s *Script) {
	s.Connect("a", "a", 0)
	s.Connect("b", "b", 1)
	s.NoticeJoin("a", "r")
	s.NoticeJoin("b", "r")
	s.NoticeChat("a", "r", "hello b")
	s.NoticeChat("b", "r", "hello a")
	s.Await("a", "new_message", 4)
	s.Await("b", "new_message", 3)
}

func wsRoom(s *Script) {
	names := []string{"a", "b", "c"}
	for i, n := range names {
		s.WSConnect(n, n, i)
	}
	for _, n := range names {
		s.WSJoin(n, "r")
	}
	for _, n := range names {
		s.WSSend(n, "say", "r", "hello from "+n)
	}
	for _, n := range names {
		s.Await(n, "said", 3)
	}
}

func wsLeave(s *Script) {
	s.WSConnect("a", "a", 0)
	s.WSConnect("b", "b", 1)
	s.WSJoin("b", "elsewhere") // so the quiescence markers reach b after it left r
	s.WSJoin("a", "r")
	s.WSJoin("b", "r")
	s.WSSend("a", "say", "r", "one")
	s.Await("b", "said", 1)
	s.WSSend("b", "leave", "r", "")
	s.Await("b", "left", 1)
	s.Await("a", "left", 1)
	s.WSSend("a", "say", "r", "two")
	s.Await("a", "said", 2)
}

func wsOrder(s *Script) {
	names := []string{"a", "b", "c"}
	for i, n := range names {
		s.WSConnect(n, n, i)
	}
	for _, n := range names {
		s.WSJoin(n, "r")
	}
	for i := range 100 {
		for _, n := range names {
			s.WSSend(n, "say", "r", n+"-"+strconv.Itoa(1000+i))
		}
	}
	for _, n := range names {
		s.Await(n, "said", 300)
	}
}
