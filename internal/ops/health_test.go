package ops

import "testing"

// TestStatusRule: the worst state names the status, and the code follows
// from the status, so body and code never disagree.
func TestStatusRule(t *testing.T) {
	tests := []struct {
		draining, backendUp, redisDown bool
		status                         string
		ready                          bool
	}{
		{false, true, false, StatusOK, true},
		{false, true, true, StatusDegraded, true},
		{false, false, false, StatusBackendDown, false},
		{false, false, true, StatusBackendDown, false},
		{true, true, false, StatusDraining, false},
		{true, false, true, StatusDraining, false},
	}
	for _, tt := range tests {
		got := statusOf(tt.draining, tt.backendUp, tt.redisDown)
		if got != tt.status || (HealthReport{Status: got}).ready() != tt.ready {
			t.Errorf("draining=%v backendUp=%v redisDown=%v: %s (ready %v), want %s (ready %v)",
				tt.draining, tt.backendUp, tt.redisDown, got, HealthReport{Status: got}.ready(), tt.status, tt.ready)
		}
	}
}
