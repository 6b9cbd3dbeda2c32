package ops

import "testing"

// TestStatusRule: the worst state names the status, and the code follows
// from the status, so body and code never disagree.
func TestStatusRule(t *testing.T) {
	tests := []struct {
		draining, backendUp, syncing, redisDown bool
		status                                  string
		ready                                   bool
	}{
		{false, true, false, false, StatusOK, true},
		{false, true, false, true, StatusDegraded, true},
		{false, true, true, false, StatusSyncing, false},
		{false, true, true, true, StatusSyncing, false},
		{false, false, false, false, StatusBackendDown, false},
		{false, false, true, true, StatusBackendDown, false},
		{true, true, false, false, StatusDraining, false},
		{true, false, true, true, StatusDraining, false},
	}
	for _, tt := range tests {
		got := statusOf(tt.draining, tt.backendUp, tt.syncing, tt.redisDown)
		if ready := (HealthReport{Status: got}).ready(); got != tt.status || ready != tt.ready {
			t.Errorf("draining=%v backendUp=%v syncing=%v redisDown=%v: %s (ready %v), want %s (ready %v)",
				tt.draining, tt.backendUp, tt.syncing, tt.redisDown, got, ready, tt.status, tt.ready)
		}
	}
}
