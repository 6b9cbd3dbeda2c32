package main

import (
	"io"
	"log/slog"
	"strings"
)

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, configErr("LOG_LEVEL", "%q is unknown; use debug, info, warn or error", s)
}

// newLogger builds the process logger from LOG_LEVEL and LOG_FORMAT; every
// line carries the node id so that logs of a cluster can be merged, and no
// line shows a configured secret (log_redact.go).
func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	level, _ := parseLevel(cfg.LogLevel) // validated by LoadConfig
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if cfg.LogFormat == "text" {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(withRedaction(h, cfg.secrets())).With("node", cfg.ServerID)
}
