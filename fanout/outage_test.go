package fanout

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
)

// TestOutageLog: failures of several parts make one outage with one start
// line, summaries no more often than the interval, and one end line once
// every failing part has succeeded again.
func TestOutageLog(t *testing.T) {
	refused := errors.New("connection refused")
	type step struct {
		part string
		ok   bool
	}
	tests := []struct {
		name      string
		interval  time.Duration
		steps     []step
		want      []string // the lines' messages, in order
		stillDown bool
	}{
		{"no outage", time.Hour, []step{{"publish", true}, {"subscription", true}}, nil, false},
		{"one part, many retries", time.Hour,
			[]step{{"subscription", false}, {"subscription", false}, {"subscription", false}, {"subscription", true}},
			[]string{"redis unavailable", "redis available again"}, false},
		{"summaries every interval", time.Nanosecond,
			[]step{{"subscription", false}, {"heartbeat", false}, {"heartbeat", false}},
			[]string{"redis unavailable", "redis still unavailable", "redis still unavailable"}, true},
		{"ends when every part recovered", time.Hour,
			[]step{{"subscription", false}, {"heartbeat", false}, {"subscription", true}, {"publish", true}, {"heartbeat", true}},
			[]string{"redis unavailable", "redis available again"}, false},
		{"a part that keeps failing keeps it open", time.Hour,
			[]step{{"heartbeat", false}, {"publish", true}, {"heartbeat", false}, {"publish", true}},
			[]string{"redis unavailable"}, true},
		{"two outages", time.Hour,
			[]step{{"publish", false}, {"publish", true}, {"publish", false}, {"publish", true}},
			[]string{"redis unavailable", "redis available again", "redis unavailable", "redis available again"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncbuf.Buffer
			o := NewOutageLog(testLogger(&logs), "redis", tt.interval)
			for _, s := range tt.steps {
				if s.ok {
					o.Succeeded(s.part)
				} else {
					o.Failed(s.part, refused)
				}
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				for _, msg := range []string{"redis unavailable", "redis still unavailable", "redis available again"} {
					if strings.Contains(line, `msg="fanout: `+msg) {
						got = append(got, msg)
					}
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || o.Active() != tt.stillDown {
				t.Fatalf("lines %q (active %v), want %q (active %v):\n%s", got, o.Active(), tt.want, tt.stillDown, logs.String())
			}
		})
	}
}
