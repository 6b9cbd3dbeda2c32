package ops

import (
	"io"
	"log/slog"

	"github.com/sidecast/sidecast/internal/config"
)

// NewLogger builds the process logger from LOG_LEVEL and LOG_FORMAT; every
// line carries the node id so that logs of a cluster can be merged, and no
// line shows a configured secret (log_redact.go).
func NewLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	level, _ := config.ParseLogLevel(cfg.LogLevel) // validated by LoadConfig
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if cfg.LogFormat == "text" {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(withRedaction(h, cfg.Secrets())).With("node", cfg.ServerID)
}
