package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestRedisOutageLogsAtBoundedRate: a node whose Redis dies logs one line
// when the outage starts, a summary every OUTAGE_LOG_INTERVAL while it
// lasts and one line when it ends, however often it retries (here a
// heartbeat every 100ms).
func TestRedisOutageLogsAtBoundedRate(t *testing.T) {
	const (
		interval = time.Second
		window   = 5 * time.Second // the measured period of the outage
	)
	s := redistest.Start(t, redistest.Config{})
	p, base := startNodeProc(t, startChat(t).URL, map[string]string{
		"SERVER_ID": "quiet", "REDIS_URL": s.URL(), "REDIS_REQUESTS_TIMEOUT": "500",
		"HEARTBEAT_INTERVAL": "100ms", "HEARTBEAT_TTL": "2s", "OUTAGE_LOG_INTERVAL": interval.String(),
	})
	testkit.WaitUntil(t, procWait, "the node to join", func() bool {
		h, _ := getHealth(base)
		return h["status"] == "ok"
	})
	before := len(p.Stderr.String())
	s.Kill()
	<-time.After(window) // the period over which lines are counted, not a stand-in for a condition
	during := p.Stderr.String()[before:]
	s.Restart()
	testkit.WaitUntil(t, procWait, "the node to rejoin", func() bool {
		h, _ := getHealth(base)
		return h["status"] == "ok"
	})
	_, _ = p.WaitOutput(&p.Stderr, `msg="fanout: redis available again`, procWait) // counted below
	after := p.Stderr.String()[before:]

	loud := regexp.MustCompile(`(?m)^.*level=(WARN|ERROR).*$`).FindAllString(during, -1)
	starts := strings.Count(during, "level=ERROR msg=\"fanout: redis unavailable")
	summaries := strings.Count(during, "msg=\"fanout: redis still unavailable")
	ends := strings.Count(after, "msg=\"fanout: redis available again")
	t.Logf("%d WARN/ERROR lines in %s of outage (%d start, %d summaries), %d end line:\n%s", len(loud), window, starts, summaries, ends, strings.Join(loud, "\n"))
	// The start, a summary per interval, and two of slack: for the timing,
	// and for a one-off line of another part (a refused announcement).
	maxLoud := 1 + int(window/interval) + 2
	if len(loud) > maxLoud || starts != 1 || summaries < int(window/interval)-2 || ends != 1 {
		t.Fatalf("want 1 start line, about %d summaries, at most %d WARN/ERROR lines and 1 end line; got:\n%s\nafter:\n%s",
			int(window/interval), maxLoud, strings.Join(loud, "\n"), after[len(during):])
	}
	if !regexp.MustCompile(`redis still unavailable.*connection refused`).MatchString(during) {
		t.Fatalf("the summaries do not name the cause:\n%s", during)
	}
}
