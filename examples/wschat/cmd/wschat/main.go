// Command wschat runs the example single-node WebSocket chat server.
//
//	wschat [-addr 127.0.0.1:3001] [-welcome]
//
// Without -addr it listens on :$PORT when PORT is set, else 127.0.0.1:3001
// (sidecast's default BACKEND_URL).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sidecast/sidecast/examples/wschat"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wschat:", err)
		os.Exit(1)
	}
}

func defaultAddr() string {
	if port := os.Getenv("PORT"); port != "" {
		return ":" + port
	}
	return "127.0.0.1:3001"
}

func run() error {
	addr := flag.String("addr", defaultAddr(), "listen address")
	welcome := flag.Bool("welcome", false, `send {"type":"welcome"} to each new connection`)
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	chat := wschat.NewServer(wschat.Options{Welcome: *welcome, Logger: logger})
	srv := &http.Server{Addr: *addr, Handler: chat, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go serve(srv, errc)
	logger.Info("wschat listening", "addr", *addr)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	_ = chat.Close()
	return err
}

// serve runs the listener; its owner is run, which waits on errc or shuts
// the server down.
func serve(srv *http.Server, errc chan<- error) {
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		errc <- err
	}
	close(errc)
}
