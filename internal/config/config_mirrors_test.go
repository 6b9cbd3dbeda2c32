package config

import (
	"strings"
	"testing"
	"time"
)

// TestMirrorSettings: the mirror knobs' defaults, values and refusals, each
// refusal naming its variable.
func TestMirrorSettings(t *testing.T) {
	cfg := mustLoad(t, map[string]string{})
	if !cfg.MirrorsOn() || cfg.EchoWindow != 500*time.Millisecond || cfg.ReleaseGrace != 50*time.Millisecond ||
		cfg.ReplyTimeout != time.Second || cfg.AckTTL != 30*time.Second || cfg.CoalesceWindow != 250*time.Microsecond {
		t.Fatalf("defaults: %+v", cfg)
	}
	if off := mustLoad(t, map[string]string{"MIRRORS": "off", "COALESCE_WINDOW": "0"}); off.MirrorsOn() || off.FanoutCoalesceWindow() >= 0 {
		t.Fatalf("MIRRORS=off COALESCE_WINDOW=0: on=%v window=%v", off.MirrorsOn(), off.FanoutCoalesceWindow())
	}
	tests := []struct {
		env  map[string]string
		name string
	}{
		{map[string]string{"MIRRORS": "yes"}, "MIRRORS"},
		{map[string]string{"ECHO_WINDOW": "0s"}, "ECHO_WINDOW"},
		{map[string]string{"RELEASE_GRACE": "-1ms"}, "RELEASE_GRACE"},
		{map[string]string{"MIRROR_REPLY_TIMEOUT": "0s"}, "MIRROR_REPLY_TIMEOUT"},
		{map[string]string{"ACK_TTL": "0s"}, "ACK_TTL"},
		{map[string]string{"MIRROR_SETTLE": "0s"}, "MIRROR_SETTLE"},
		{map[string]string{"COALESCE_WINDOW": "-1ms"}, "COALESCE_WINDOW"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.name+":") {
				t.Fatalf("Load(%v) = %v, want an error naming %s", tt.env, err, tt.name)
			}
		})
	}
}
