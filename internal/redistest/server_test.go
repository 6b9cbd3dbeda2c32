package redistest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// ping sends PING (after AUTH when password is set) over conn and returns the reply line.
func ping(t *testing.T, conn net.Conn, password string) string {
	t.Helper()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	if password != "" {
		fmt.Fprintf(conn, "AUTH %s\r\n", password)
		if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "+OK") {
			return strings.TrimSpace(line)
		}
	}
	fmt.Fprintf(conn, "PING\r\n")
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read PING reply: %v", err)
	}
	return strings.TrimSpace(line)
}

func dial(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr(), err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestServerPlainAndPassword(t *testing.T) {
	cases := []struct {
		name, password, send, want string
	}{
		{"plain", "", "", "+PONG"},
		{"password accepted", "pw-1", "pw-1", "+PONG"},
		{"password refused", "pw-1", "wrong", "-WRONGPASS"},
		{"password required", "pw-1", "", "-NOAUTH"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Start(t, Config{Password: tc.password})
			if s.Port() == forbiddenPort {
				t.Fatalf("harness chose port %d", forbiddenPort)
			}
			if got := ping(t, dial(t, s), tc.send); !strings.HasPrefix(got, tc.want) {
				t.Fatalf("reply %q, want prefix %q", got, tc.want)
			}
		})
	}
}

func TestServerKillRestart(t *testing.T) {
	s := Start(t, Config{})
	port := s.Port()
	s.Kill()
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		t.Fatal("killed server still accepts connections")
	}
	s.Restart()
	if s.Port() != port {
		t.Fatalf("restarted on port %d, want %d", s.Port(), port)
	}
	if got := ping(t, dial(t, s), ""); got != "+PONG" {
		t.Fatalf("after restart: %q", got)
	}
}

func TestServerTLS(t *testing.T) {
	certs := GenerateCerts(t)
	pool := x509.NewCertPool()
	ca, err := os.ReadFile(certs.CAFile)
	if err != nil || !pool.AppendCertsFromPEM(ca) {
		t.Fatalf("read CA: %v", err)
	}
	clientCert, err := tls.LoadX509KeyPair(certs.ClientCert, certs.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		clientAuth bool
		certs      []tls.Certificate
		wantErr    bool
	}{
		{"server auth only", false, nil, false},
		{"mutual", true, []tls.Certificate{clientCert}, false},
		{"mutual without client cert", true, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Start(t, Config{TLS: certs, ClientAuth: tc.clientAuth})
			conn, err := tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: pool, Certificates: tc.certs, ServerName: "127.0.0.1"})
			if err == nil {
				t.Cleanup(func() { conn.Close() })
				_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
				fmt.Fprintf(conn, "PING\r\n")
				var line string
				line, err = bufio.NewReader(conn).ReadString('\n')
				if err == nil && !strings.HasPrefix(line, "+PONG") {
					t.Fatalf("reply %q", line)
				}
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
		})
	}
}

func TestServerACLUser(t *testing.T) {
	s := Start(t, Config{Users: []string{"default off", "app on >app-pw ~app:* &app:* -@all +ping +auth"}})
	conn := dial(t, s)
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	fmt.Fprintf(conn, "AUTH app app-pw\r\nPING\r\nGET app:x\r\n")
	want := []string{"+OK", "+PONG", "-NOPERM"}
	for _, w := range want {
		line, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, w) {
			t.Fatalf("reply %q (%v), want prefix %q", line, err, w)
		}
	}
}

func TestProxyPauseResume(t *testing.T) {
	s := Start(t, Config{})
	p := NewProxy(t, s.Addr())
	c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "PING\r\n")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+PONG") {
		t.Fatalf("through proxy: %q %v", line, err)
	}
	p.Pause()
	fmt.Fprintf(c, "PING\r\n")
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if line, err := r.ReadString('\n'); err == nil {
		t.Fatalf("paused proxy forwarded %q", line)
	}
	p.Resume()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+PONG") {
		t.Fatalf("after resume: %q %v", line, err)
	}
}
