package config

import (
	"log/slog"
	"strings"
)

// ParseLogLevel reads LOG_LEVEL.
func ParseLogLevel(s string) (slog.Level, error) {
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
	return 0, Errorf("LOG_LEVEL", "%q is unknown; use debug, info, warn or error", s)
}
