package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIdleSessionsCost runs the benchmark program at a small scale and holds
// its two claims: sidecast runs no goroutine per idle session while the
// baseline runs two, so the measurement can tell the two designs apart.
func TestIdleSessionsCost(t *testing.T) {
	const sessions = 300
	bin := filepath.Join(t.TempDir(), "idlebench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build idlebench: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-n", fmt.Sprint(sessions)).CombinedOutput()
	if err != nil {
		t.Fatalf("idlebench: %v\n%s", err, out)
	}
	t.Logf("\n%s", out)
	rows := parseTable(t, out)

	side, naive := rows["sidecast"], rows["naive"]
	if grown := side.goroutinesFull - side.goroutinesIdle; grown > 2 {
		t.Errorf("sidecast goroutines grew by %d with %d idle sessions; want no growth", grown, sessions)
	}
	if grown := naive.goroutinesFull - naive.goroutinesIdle; grown < 2*sessions {
		t.Errorf("baseline goroutines grew by %d with %d sessions; want at least %d", grown, sessions, 2*sessions)
	}
}

func parseTable(t *testing.T, out []byte) map[string]measurement {
	t.Helper()
	rows := map[string]measurement{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var m measurement
		var perSession float64
		line := strings.ReplaceAll(sc.Text(), "→", " ")
		if _, err := fmt.Sscan(line, &m.proxy, &m.sessions, &m.goroutinesIdle, &m.goroutinesFull,
			&m.rssIdleKiB, &m.rssFullKiB, &perSession); err == nil {
			rows[m.proxy] = m
		}
	}
	for _, want := range []string{"sidecast", "naive"} {
		if _, ok := rows[want]; !ok {
			t.Fatalf("no %s row in the output", want)
		}
	}
	return rows
}
