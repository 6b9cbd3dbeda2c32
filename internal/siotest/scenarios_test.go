package siotest

import "testing"

// TestScenariosDirect runs the scenario table against the example server
// with no proxy in between: it shows what the backend itself does, which
// is what the same table then demands of sidecast.
func TestScenariosDirect(t *testing.T) {
	srv := StartServer(t)
	RunAll(t, Target{Name: "direct", URL: srv.URL, Backend: srv.URL})
}
