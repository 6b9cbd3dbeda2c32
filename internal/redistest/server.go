package redistest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// forbiddenPort is the default Redis port; a Redis that is not the test's
// own may listen there, so the harness never uses it.
const forbiddenPort = 6379

// startTimeout bounds how long a server may take to accept connections; it
// is generous because the machine may be loaded.
const startTimeout = 15 * time.Second

// Config describes the server to start. The zero value is a plain server
// without authentication.
type Config struct {
	// Password sets requirepass (the default user's password).
	Password string
	// Users are ACL rules, one per user, in redis.conf "user" syntax
	// without the leading keyword, e.g. "app on >pw ~app:* &app:* +@all".
	Users []string
	// TLS serves TLS only, with these certificates.
	TLS *Certs
	// ClientAuth requires a client certificate signed by the CA (mutual TLS).
	ClientAuth bool
	// Extra holds more redis.conf lines.
	Extra []string
	// Cluster starts the server as a Redis Cluster node (cluster-enabled,
	// its own nodes file, a cluster bus port chosen like the client port).
	// StartCluster sets it; a test rarely needs it alone.
	Cluster bool
	// ClusterNodeTimeout is cluster-node-timeout; 0 means 1s, short so a
	// replica takes over from a dead master within a few seconds.
	ClusterNodeTimeout time.Duration
}

// Server is one running (or killed) redis-server.
type Server struct {
	t       testing.TB
	cfg     Config
	dir     string
	port    int
	busPort int // cluster bus port, when cfg.Cluster
	proc    *process
}

// Start starts a redis-server for t on a free loopback port and waits until
// it accepts connections. The server is killed when the test ends.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redistest: redis-server is not installed (install the redis-server package): %v", err)
	}
	s := &Server{t: t, cfg: cfg, dir: t.TempDir()}
	t.Cleanup(s.Kill)
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if s.port, err = testkit.Port(); err != nil {
			t.Fatalf("redistest: %v", err)
		}
		if cfg.Cluster {
			if s.busPort, err = testkit.Port(); err != nil {
				t.Fatalf("redistest: %v", err)
			}
		}
		if lastErr = s.launch(bin); lastErr == nil {
			return s
		}
	}
	t.Fatalf("redistest: start redis-server: %v", lastErr)
	return nil
}

// Addr returns host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port returns the server's port.
func (s *Server) Port() int { return s.port }

// URL returns redis://host:port/ or rediss://host:port/ for a TLS server.
func (s *Server) URL() string {
	if s.cfg.TLS != nil {
		return "rediss://" + s.Addr() + "/"
	}
	return "redis://" + s.Addr() + "/"
}

// Kill stops the server with SIGKILL and waits for it; it is idempotent.
func (s *Server) Kill() {
	if s.proc != nil {
		s.proc.kill()
	}
}

// Restart kills the server if it runs and starts it again on the same port
// with the same configuration (and no data: persistence is off).
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		s.t.Fatalf("redistest: %v", err)
	}
	deadline := time.Now().Add(startTimeout)
	for {
		err := s.launch(bin)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redistest: restart on port %d: %v", s.port, err)
		}
		time.Sleep(100 * time.Millisecond) // the port may linger briefly; retry
	}
}

// Log returns the server's log so far, for failure messages.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	return string(b)
}

// launch writes the configuration and starts the process, waiting for it
// to accept connections.
func (s *Server) launch(bin string) error {
	if s.port == forbiddenPort {
		return fmt.Errorf("refusing port %d", forbiddenPort)
	}
	conf := filepath.Join(s.dir, "redis.conf")
	logPath := filepath.Join(s.dir, "redis.log")
	_ = os.Remove(logPath)
	if err := os.WriteFile(conf, []byte(s.config(logPath)), 0o600); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	p, err := startProcess(bin, conf, s.dir)
	if err != nil {
		return err
	}
	s.proc = p
	return s.waitReady(logPath)
}

// waitReady polls the log until the server says it is ready, or exited.
func (s *Server) waitReady(logPath string) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(logPath)
		if bytes.Contains(b, []byte("Ready to accept connections")) {
			return nil
		}
		if s.proc.exitedNow() {
			return fmt.Errorf("redis-server exited at start:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond) // polling the log file; no event to wait on
	}
	s.proc.kill()
	return fmt.Errorf("redis-server not ready after %v:\n%s", startTimeout, s.Log())
}

// config renders redis.conf.
func (s *Server) config(logPath string) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("bind 127.0.0.1")
	line("save \"\"")
	line("appendonly no")
	line("daemonize no")
	line("dir %s", s.dir)
	line("logfile %s", logPath)
	if c := s.cfg.TLS; c != nil {
		line("port 0")
		line("tls-port %d", s.port)
		line("tls-cert-file %s", c.ServerCert)
		line("tls-key-file %s", c.ServerKey)
		line("tls-ca-cert-file %s", c.CAFile)
		line("tls-auth-clients %s", map[bool]string{true: "yes", false: "no"}[s.cfg.ClientAuth])
	} else {
		line("port %d", s.port)
	}
	if s.cfg.Password != "" {
		line("requirepass %s", s.cfg.Password)
	}
	for _, u := range s.cfg.Users {
		line("user %s", u)
	}
	if s.cfg.Cluster {
		timeout := s.cfg.ClusterNodeTimeout
		if timeout <= 0 {
			timeout = time.Second
		}
		line("cluster-enabled yes")
		line("cluster-config-file nodes.conf")
		line("cluster-port %d", s.busPort)
		line("cluster-node-timeout %d", timeout.Milliseconds())
		// A test's cluster keeps serving the slots it still has while one
		// shard is down, as managed services do.
		line("cluster-require-full-coverage no")
	}
	for _, x := range s.cfg.Extra {
		line("%s", x)
	}
	return b.String()
}
