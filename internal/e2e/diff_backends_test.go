package e2e

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/difftest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// diffBackends starts the example backends the differential suite plays
// against: shared ones live for the whole suite (scenarios keep apart by
// their id prefix), fresh ones for one dedicated scenario.
type diffBackends struct {
	root   string
	shared map[difftest.Backend][]string // cluster backends' base URLs by kind
	oracle map[difftest.Backend]string   // the oracle's own backend by kind
}

// oracleURL returns the oracle's backend of kind: one no sidecast ever
// connects to, started on first use for the whole suite.
func (b *diffBackends) oracleURL(suite *testing.T, kind difftest.Backend) string {
	suite.Helper()
	if b.oracle[kind] == "" {
		b.oracle[kind] = b.start(suite, kind, 1)[0]
	}
	return b.oracle[kind]
}

// start returns n fresh backends of kind; they stop when t ends.
func (b *diffBackends) start(t *testing.T, kind difftest.Backend, n int) []string {
	t.Helper()
	urls := make([]string, n)
	for i := range urls {
		switch kind {
		case difftest.WSChat:
			urls[i] = startWSChat(t)
		default:
			dir := difftest.ChatServerDir
			if kind == difftest.Notice {
				dir = difftest.NoticeServerDir
			}
			s, err := testkit.StartNodeServer(dir, "socket.io")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			urls[i] = s.URL
		}
	}
	return urls
}

// get returns the first n shared backends of kind, starting what is
// missing; they live as long as suite, the suite's own test.
func (b *diffBackends) get(suite *testing.T, kind difftest.Backend, n int) []string {
	suite.Helper()
	if have := len(b.shared[kind]); have < n {
		b.shared[kind] = append(b.shared[kind], b.start(suite, kind, n-have)...)
	}
	return b.shared[kind][:n]
}

// startWSChat serves examples/wschat in this process on a free port.
func startWSChat(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	chat := wschat.NewServer(wschat.Options{})
	srv := &http.Server{Handler: chat, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go serveWSChat(srv, ln, done)
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
		_ = chat.Close()
	})
	return "http://" + ln.Addr().String()
}

// serveWSChat runs one wschat backend; its cleanup closes and waits for it.
func serveWSChat(srv *http.Server, ln net.Listener, done chan<- struct{}) {
	defer close(done)
	_ = srv.Serve(ln) // ends with ErrServerClosed; a broken backend fails the scenarios that use it
}

// oracleWorld is one backend and no sidecast: every node index is it.
type oracleWorld struct{ url string }

func (o oracleWorld) Oracle() bool          { return true }
func (o oracleWorld) ClientURL(int) string  { return o.url }
func (o oracleWorld) BackendURL(int) string { return o.url }
func (o oracleWorld) Kill(int) error        { return nil }
func (o oracleWorld) Pause(int) error       { return nil }
func (o oracleWorld) Resume(int) error      { return nil }
func (o oracleWorld) StartLate(int) error   { return nil }

func (o oracleWorld) BarrierTimeouts() (float64, error) { return 0, nil }
