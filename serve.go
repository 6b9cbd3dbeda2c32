package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/sidecast/sidecast/fanout"
)

// serve runs one node on SERVER_PORT until ctx ends (SIGINT/SIGTERM), then
// shuts it down within DRAIN_TIMEOUT.
func serve(ctx context.Context, cfg *Config, logger *slog.Logger) error {
	// go-redis's own lines would bypass the structured (and redacting) log.
	fanout.RouteRedisLogs(logger)
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.ServerPort))
	if err != nil {
		return fmt.Errorf("listen on SERVER_PORT: %w", err)
	}
	n, err := startNode(ctx, cfg, logger, ln, nil)
	if err != nil {
		_ = ln.Close()
		return err
	}
	logger.Info("sidecast listening", "addr", ln.Addr().String(), "backend", cfg.Backend.String(),
		"protocol", cfg.Protocol, "health", cfg.HealthPath)
	ops := startOpsServer(cfg, logger, n)
	defer ops.close() // after the drain: probes and metrics stay up meanwhile
	return runUntilDone(ctx, cfg, logger, n)
}

// runUntilDone waits for a signal (ctx) or a serving error; after a
// signal it drains n (drain.go), then shuts it down, both within
// DRAIN_TIMEOUT.
func runUntilDone(ctx context.Context, cfg *Config, logger *slog.Logger, n *node) error {
	var served error
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "timeout", cfg.DrainTimeout.String())
	case served = <-n.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	var drained error
	if served == nil {
		drained = n.drain(shutdownCtx)
	}
	if err := errors.Join(drained, n.Shutdown(shutdownCtx)); err != nil {
		return err
	}
	if served != nil {
		return served
	}
	logger.Info("stopped cleanly")
	return nil
}
