package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
)

// processStats is what each child reports on its control listener.
type processStats struct {
	Sessions   int64 `json:"sessions"`
	Goroutines int   `json:"goroutines"`
}

// serveControl answers /stats on a fresh loopback port and prints
// "control <addr>" and "listen <addr>" lines the orchestrator reads. A
// query ?gc=1 collects garbage and returns freed memory to the OS first, so
// the RSS read right after reflects live memory, the same way for every
// proxy.
func serveControl(sessions func() int64, listen net.Listener) error {
	ctl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("control listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("gc") == "1" {
			runtime.GC()
			debug.FreeOSMemory()
		}
		_ = json.NewEncoder(w).Encode(processStats{
			Sessions:   sessions(),
			Goroutines: runtime.NumGoroutine(),
		})
	})
	fmt.Printf("control %s\n", ctl.Addr())
	if listen != nil {
		fmt.Printf("listen %s\n", listen.Addr())
	}
	return http.Serve(ctl, mux)
}
