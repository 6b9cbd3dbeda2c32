package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/internal/ops"
)

// Serve runs one node on SERVER_PORT until ctx ends (SIGINT/SIGTERM), then
// shuts it down within DRAIN_TIMEOUT.
func Serve(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	// go-redis's own lines would bypass the structured (and redacting) log.
	fanout.RouteRedisLogs(logger)
	ln, err := net.Listen("tcp", cfg.ServerListenAddr())
	if err != nil {
		return fmt.Errorf("listen on SERVER_PORT (SERVER_ADDR %q): %w", cfg.ServerAddr, err)
	}
	n, err := Start(ctx, cfg, logger, ln, nil)
	if err != nil {
		_ = ln.Close()
		return err
	}
	logger.Info("sidecast listening", "addr", ln.Addr().String(), "backend", cfg.Backend.String(),
		"protocol", cfg.Protocol, "health", cfg.HealthPath)
	opsServer := ops.StartServer(cfg, logger, n.ops)
	defer opsServer.Close() // after the drain: probes and metrics stay up meanwhile
	return RunUntilDone(ctx, cfg, logger, n)
}

// RunUntilDone waits for a signal (ctx) or a serving error; after a
// signal it drains n (drain.go), then shuts it down, both within
// DRAIN_TIMEOUT.
func RunUntilDone(ctx context.Context, cfg *config.Config, logger *slog.Logger, n *Node) error {
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
		drained = n.ops.Drain(shutdownCtx)
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
