package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// measurement is one proxy's result.
type measurement struct {
	proxy          string
	sessions       int
	goroutinesIdle int // before any session
	goroutinesFull int // with every session open and idle
	rssIdleKiB     int64
	rssFullKiB     int64
}

func (m measurement) perSessionKiB() float64 {
	return float64(m.rssFullKiB-m.rssIdleKiB) / float64(m.sessions)
}

func runAll(n int, proxies string) error {
	var results []measurement
	for _, name := range strings.Split(proxies, ",") {
		m, err := measure(strings.TrimSpace(name), n)
		if err != nil {
			return fmt.Errorf("measure %s: %w", name, err)
		}
		results = append(results, m)
	}
	printTable(results)
	return nil
}

func printTable(results []measurement) {
	fmt.Printf("%-9s %9s %16s %13s %13s %16s\n",
		"proxy", "sessions", "goroutines 0→N", "RSS 0 (KiB)", "RSS N (KiB)", "KiB/session")
	for _, m := range results {
		fmt.Printf("%-9s %9d %7d → %-6d %13d %13d %16.2f\n",
			m.proxy, m.sessions, m.goroutinesIdle, m.goroutinesFull,
			m.rssIdleKiB, m.rssFullKiB, m.perSessionKiB())
	}
}

func measure(proxy string, n int) (measurement, error) {
	m := measurement{proxy: proxy, sessions: n}
	backend, err := startChild("backend")
	if err != nil {
		return m, err
	}
	defer backend.stop()
	px, err := startChild(proxy, "-backend", backend.listen)
	if err != nil {
		return m, err
	}
	defer px.stop()

	idle, err := px.stats(true)
	if err != nil {
		return m, err
	}
	m.goroutinesIdle = idle.Goroutines
	if m.rssIdleKiB, err = rssKiB(px.cmd.Process.Pid); err != nil {
		return m, err
	}

	clients, err := startChild("clients", "-target", px.listen, "-n", fmt.Sprint(n))
	if err != nil {
		return m, err
	}
	defer clients.stop()
	if err := clients.waitLine("ready", 3*time.Minute); err != nil {
		return m, err
	}
	if err := backend.waitSessions(int64(n), time.Minute); err != nil {
		return m, err
	}
	full, err := px.stats(true)
	if err != nil {
		return m, err
	}
	m.goroutinesFull = full.Goroutines
	m.rssFullKiB, err = rssKiB(px.cmd.Process.Pid)
	return m, err
}

// child is one re-executed copy of this binary in some role.
type child struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	lines   *bufio.Scanner
	control string
	listen  string
}

func startChild(role string, args ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own binary: %w", err)
	}
	cmd := exec.Command(self, append([]string{"-role", role}, args...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("%s stdin: %w", role, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%s stdout: %w", role, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", role, err)
	}
	c := &child{cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout)}
	if role == "clients" {
		return c, nil
	}
	for c.control == "" || c.listen == "" {
		if !c.lines.Scan() {
			c.stop()
			return nil, fmt.Errorf("%s exited before announcing its addresses", role)
		}
		if addr, ok := strings.CutPrefix(c.lines.Text(), "control "); ok {
			c.control = addr
		}
		if addr, ok := strings.CutPrefix(c.lines.Text(), "listen "); ok {
			c.listen = addr
		}
	}
	return c, nil
}

func (c *child) waitLine(prefix string, timeout time.Duration) error {
	found := make(chan bool, 1)
	go func() {
		for c.lines.Scan() {
			if strings.HasPrefix(c.lines.Text(), prefix) {
				found <- true
				return
			}
		}
		found <- false
	}()
	select {
	case ok := <-found:
		if !ok {
			return fmt.Errorf("child exited before printing %q", prefix)
		}
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("no %q line within %s", prefix, timeout)
	}
}

func (c *child) stats(gc bool) (processStats, error) {
	var st processStats
	url := "http://" + c.control + "/stats"
	if gc {
		url += "?gc=1"
	}
	resp, err := http.Get(url)
	if err != nil {
		return st, fmt.Errorf("read stats: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("decode stats: %w", err)
	}
	return st, nil
}

func (c *child) waitSessions(n int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		st, err := c.stats(false)
		if err != nil {
			return err
		}
		if st.Sessions == n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("backend holds %d of %d sessions after %s", st.Sessions, n, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *child) stop() {
	c.stdin.Close()
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
}

// rssKiB reads a process's resident set size from /proc.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read process status: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kib int64
			_, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kib)
			return kib, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in process status")
}
