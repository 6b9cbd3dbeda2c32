//go:build race

package e2e

// raceEnabled makes TestMain build the binary under test with -race too.
const raceEnabled = true
