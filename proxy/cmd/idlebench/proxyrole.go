package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/sidecast/sidecast/proxy"
)

// stats is what the proxy process reports about itself.
type stats struct {
	Goroutines int   `json:"goroutines"`
	RSSKiB     int64 `json:"rss_kib"`
	Sessions   int   `json:"sessions"`
}

// runProxy serves the proxy under test on one port and /stats on another,
// printing both addresses.
func runProxy(mode, backend string) error {
	h, sessions, err := proxyHandler(mode, backend)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String(), sl.Addr().String())
	go http.Serve(sl, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(measure(sessions()))
	}))
	// A full descriptor table must show up as one failed run, not as a log
	// line every few milliseconds.
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	return srv.Serve(ln)
}

func proxyHandler(mode, backend string) (http.Handler, func() int, error) {
	switch mode {
	case "sidecast":
		p, err := proxy.New(proxy.Config{
			Backend: &url.URL{Scheme: "http", Host: backend},
			Logger:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		})
		if err != nil {
			return nil, nil, err
		}
		return p, p.Sessions, nil
	case "naive":
		n := &naiveProxy{backend: backend}
		return n, n.sessions, nil
	}
	return nil, nil, fmt.Errorf("unknown mode %q", mode)
}

// measure collects garbage first so both proxies are compared at rest.
func measure(sessions int) stats {
	runtime.GC()
	debug.FreeOSMemory()
	return stats{Goroutines: runtime.NumGoroutine(), RSSKiB: rssKiB(), Sessions: sessions}
}

// rssKiB reads the process's resident set size from /proc.
func rssKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return -1
}
