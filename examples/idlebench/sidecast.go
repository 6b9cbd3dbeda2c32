package main

import (
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/sidecast/sidecast/proxy"
)

// serveSidecast runs the real proxy package with its defaults in front of
// the backend.
func serveSidecast(backend string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("sidecast listener: %w", err)
	}
	srv, err := proxy.New(proxy.Config{Backend: &url.URL{Scheme: "http", Host: backend}})
	if err != nil {
		return fmt.Errorf("start proxy: %w", err)
	}
	defer srv.Close()
	go func() { _ = http.Serve(ln, srv) }()
	return serveControl(func() int64 { return int64(srv.Sessions()) }, ln)
}
