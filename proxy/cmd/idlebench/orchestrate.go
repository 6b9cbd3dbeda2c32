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

// orchestrate runs the measurement once per proxy, each in fresh processes.
func orchestrate(sessions int) error {
	fmt.Printf("%d idle sessions, each part in its own process\n\n", sessions)
	fmt.Printf("%-9s %12s %12s %14s %12s %12s\n", "proxy", "goroutines0", "goroutines", "goroutines/s", "RSS MiB", "RSS/session")
	for _, mode := range []string{"sidecast", "naive"} {
		before, after, err := measureMode(mode, sessions)
		if err != nil {
			fmt.Printf("%-9s failed: %v\n", mode, err)
			continue
		}
		n := float64(after.Sessions)
		fmt.Printf("%-9s %12d %12d %14.3f %12.1f %9.2f KiB\n", mode, before.Goroutines, after.Goroutines,
			float64(after.Goroutines-before.Goroutines)/n, float64(after.RSSKiB)/1024,
			float64(after.RSSKiB-before.RSSKiB)/n)
	}
	return nil
}

func measureMode(mode string, sessions int) (before, after stats, err error) {
	backend, baddr, err := start("-role", "backend")
	if err != nil {
		return before, after, err
	}
	defer stop(backend)
	px, paddrs, err := start("-role", "proxy", "-mode", mode, "-target", baddr)
	if err != nil {
		return before, after, err
	}
	defer stop(px)
	addrs := strings.Fields(paddrs)
	if before, err = fetchStats(addrs[1]); err != nil {
		return before, after, err
	}
	clients, ready, err := start("-role", "clients", "-sessions", fmt.Sprint(sessions), "-target", addrs[0])
	if err != nil {
		return before, after, err
	}
	defer stop(clients)
	if ready != "ready" {
		return before, after, fmt.Errorf("clients said %q", ready)
	}
	after, err = settledStats(addrs[1], sessions)
	return before, after, err
}

// child is a started part with its stdin kept open (closing it stops clients).
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// start runs this binary in a role and returns its first line of output.
func start(args ...string) (*child, string, error) {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, "", err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	c := &child{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop(c)
		return nil, "", fmt.Errorf("%v: %w", args, err)
	}
	return c, strings.TrimSpace(line), nil
}

func stop(c *child) {
	c.stdin.Close()
	c.cmd.Process.Kill()
	c.cmd.Wait()
}

// settledStats polls until every session is open and the numbers stop moving.
func settledStats(addr string, sessions int) (stats, error) {
	var last stats
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		st, err := fetchStats(addr)
		if err != nil {
			return st, err
		}
		if st.Sessions == sessions && st.Goroutines == last.Goroutines {
			return st, nil
		}
		last = st
		time.Sleep(200 * time.Millisecond)
	}
	return last, fmt.Errorf("sessions did not settle: %+v", last)
}

func fetchStats(addr string) (stats, error) {
	var st stats
	resp, err := http.Get("http://" + addr + "/stats")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}
