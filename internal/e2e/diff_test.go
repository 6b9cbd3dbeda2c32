package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/difftest"
	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// The runs of each scenario besides the oracle.
const (
	runMemory     = "memory"      // in-process nodes on the in-memory bus
	runRedis      = "redis"       // sidecast processes over a real redis-server
	runMirrorsOff = "mirrors-off" // MIRRORS=off (in-memory bus, or Redis for processes): must fail
)

// Per-condition waits: generous for a loaded two-core machine under -race;
// shorter for the negative control, which expects to wait in vain.
const (
	diffWait        = 8 * time.Second
	diffWaitNegated = 2 * time.Second
)

// diffSuite is the state shared by the scenarios of one TestDifferential.
type diffSuite struct {
	t        *testing.T
	backends *diffBackends
	redisURL string
	peer     *difftest.Peer
	shared   map[string]*clusterWorld // by run and backend kind
	seq      int
	passed   int
	failed   int
	barrier  map[string][]string // per run: problems reading or with barrier timeouts
	checked  map[string]int      // per run: clusters whose barrier timeouts were read
}

// TestDifferential is the acceptance test of docs/design.md, Contract: every scenario plays on
// one backend directly (the oracle) and on a cluster of sidecast nodes over
// the in-memory bus and over Redis, and every client must have received
// the same. With MIRRORS=off every scenario must fail: the suite sees the
// problem it exists for. One line per scenario and run goes to stdout,
// then "N passed, N failed".
func TestDifferential(t *testing.T) {
	s := newDiffSuite(t, redistest.Start(t, redistest.Config{}).URL())
	for _, sc := range difftest.Scenarios {
		t.Run(sc.Name, func(t *testing.T) { s.scenario(t, sc) })
	}
	s.checkBarrierTimeouts()
	fmt.Printf("%d passed, %d failed\n", s.passed, s.failed)
}

// newDiffSuite is a suite whose Redis runs use redisURL, with the one
// socket.io-client process that serves every play (each names its sockets
// with its own prefix): starting one per play costs half a second each.
func newDiffSuite(t *testing.T, redisURL string) *diffSuite {
	t.Helper()
	root, err := testkit.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	s := &diffSuite{t: t, backends: &diffBackends{root: root, shared: map[difftest.Backend][]string{},
		oracle: map[difftest.Backend]string{}},
		shared: map[string]*clusterWorld{}, barrier: map[string][]string{}, checked: map[string]int{},
		redisURL: redisURL}
	if s.peer, err = difftest.StartPeer(root); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.peer.Close)
	return s
}

// scenario plays sc on the oracle, then on every run that applies.
func (s *diffSuite) scenario(t *testing.T, sc *difftest.Scenario) {
	oracle := s.play(sc, oracleWorld{url: s.backends.oracleURL(s.t, sc.Backend)}, diffWait)
	if oracle.Err != nil {
		s.report(false, "oracle", sc.Name, oracle.Elapsed, "the oracle itself failed: "+oracle.Err.Error())
		t.Fatalf("oracle: %v", oracle.Err)
	}
	for _, run := range []string{runMemory, runRedis, runMirrorsOff} {
		if sc.Processes && run == runMemory {
			continue
		}
		t.Run(run, func(t *testing.T) { s.cluster(t, sc, run, oracle) })
	}
	for _, c := range sc.Controls {
		t.Run(c.Name, func(t *testing.T) { s.control(t, sc, c, oracle) })
	}
}

// control plays sc on the in-memory bus with a deliberately wrong setting
// and requires it to fail: the scenario detects what the setting breaks.
func (s *diffSuite) control(t *testing.T, sc *difftest.Scenario, c difftest.Control, oracle difftest.Result) {
	w := newClusterWorld(t, c.Name, "", sc.Backend, s.backends.get(s.t, sc.Backend, sc.Nodes), c.Env, sc.Late)
	res := s.play(sc, w, diffWaitNegated)
	problems := difftest.Compare(oracle.Streams, res.Streams, oracle.Senders)
	ok := res.Err != nil || len(problems) > 0
	detail := "failed as it must: " + diffFirstLine(diffDetail(res, problems))
	if !ok {
		detail = fmt.Sprintf("passed with %v: this scenario cannot detect what that breaks", c.Env)
		t.Error(detail)
	}
	s.report(ok, c.Name, sc.Name, res.Elapsed, detail)
}

// cluster plays sc on one run's cluster and compares with the oracle.
func (s *diffSuite) cluster(t *testing.T, sc *difftest.Scenario, run string, oracle difftest.Result) {
	w := s.world(t, sc, run)
	wait := diffWait
	if run == runMirrorsOff {
		wait = diffWaitNegated
	}
	res := s.play(sc, w, wait)
	problems := difftest.Compare(oracle.Streams, res.Streams, oracle.Senders)
	detail := diffDetail(res, problems)
	if sc.Dedicated && !sc.Disturbs && run != runMirrorsOff {
		s.noteBarrier(run, w)
	}
	if run == runMirrorsOff {
		ok := res.Err != nil || len(problems) > 0
		if ok {
			detail = "failed as it must without mirrors: " + diffFirstLine(detail)
		} else {
			detail = "passed without mirrors: this scenario cannot detect the problem"
			t.Error(detail)
		}
		s.report(ok, run, sc.Name, res.Elapsed, detail)
		return
	}
	ok := res.Err == nil && len(problems) == 0
	s.report(ok, run, sc.Name, res.Elapsed, diffFirstLine(detail))
	if !ok {
		t.Errorf("%s differs from the oracle (node logs in %s):\n%s", run, w.logs(), detail)
	}
}

func diffDetail(res difftest.Result, problems []difftest.Problem) string {
	var parts []string
	if res.Err != nil {
		parts = append(parts, res.Err.Error())
	}
	if len(problems) > 0 {
		parts = append(parts, difftest.Summary(problems, 12))
	}
	if len(parts) == 0 {
		return res.Describe()
	}
	return strings.Join(parts, "\n")
}

func diffFirstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	return line
}

// world returns the cluster sc runs on: a shared one per run and backend
// kind, or, for a dedicated scenario, one of its own with fresh backends.
func (s *diffSuite) world(t *testing.T, sc *difftest.Scenario, run string) *clusterWorld {
	t.Helper()
	redisURL := ""
	if run == runRedis || sc.Processes { // killing or pausing a node needs processes, so Redis
		redisURL = s.redisURL
	}
	env := map[string]string{}
	if run == runMirrorsOff {
		env["MIRRORS"] = "off"
	}
	if sc.Dedicated {
		for k, v := range sc.Env {
			env[k] = v
		}
		backends := s.backends.get(s.t, sc.Backend, sc.Nodes)
		if sc.FreshBackends {
			backends = s.backends.start(t, sc.Backend, sc.Nodes)
		}
		return newClusterWorld(t, run, redisURL, sc.Backend, backends, env, sc.Late)
	}
	key := run + "/" + string(sc.Backend)
	if w := s.shared[key]; w != nil {
		return w
	}
	w := newClusterWorld(s.t, run, redisURL, sc.Backend, s.backends.get(s.t, sc.Backend, 3), env, nil)
	s.shared[key] = w
	return w
}

func (s *diffSuite) play(sc *difftest.Scenario, w difftest.World, wait time.Duration) difftest.Result {
	s.seq++
	return difftest.Play(context.Background(), sc, w, difftest.Options{
		Root: s.backends.root, Prefix: fmt.Sprintf("~p%d~", s.seq), Wait: wait, Limit: 3 * time.Minute, Peer: s.peer,
	})
}

func (s *diffSuite) report(ok bool, run, name string, took time.Duration, detail string) {
	status := "PASS"
	if ok {
		s.passed++
	} else {
		status = "FAIL"
		s.failed++
	}
	fmt.Printf("%s %-16s %-38s %6.1fs  %s\n", status, run, name, took.Seconds(), detail)
}

// noteBarrier records a world's barrier timeouts (all its peers stayed
// healthy, so there must be none).
func (s *diffSuite) noteBarrier(run string, w *clusterWorld) {
	s.checked[run]++
	n, err := w.BarrierTimeouts()
	switch {
	case err != nil:
		s.barrier[run] = append(s.barrier[run], err.Error())
	case n != 0:
		s.barrier[run] = append(s.barrier[run], fmt.Sprintf("%s: %v barrier timeouts", w.name, n))
	}
}

// checkBarrierTimeouts asserts, per run, zero barrier timeouts in every
// cluster whose peers all stayed healthy.
func (s *diffSuite) checkBarrierTimeouts() {
	for _, run := range []string{runMemory, runRedis} {
		for key, w := range s.shared {
			if strings.HasPrefix(key, run+"/") {
				s.noteBarrier(run, w)
			}
		}
		if s.checked[run] == 0 {
			continue // no healthy cluster of this run played (a -run filter)
		}
		problems := s.barrier[run]
		ok := len(problems) == 0
		detail := "zero while every peer was healthy"
		if !ok {
			detail = diffFirstLine(strings.Join(problems, "; "))
			s.t.Errorf("%s: barrier timeouts: %s", run, strings.Join(problems, "\n"))
		}
		s.report(ok, run, "barrier_timeouts_while_healthy", 0, detail)
	}
}
