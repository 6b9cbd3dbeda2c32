package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// diffAdminToken protects the nodes' admin endpoints in the suite.
const diffAdminToken = "difftest-admin-token-5f1c0e7a9b2d4c6e"

// barrierTimeouts sums, over the world's running nodes, the barrier
// timeouts each counted: an in-process node's mirror statistics, or for a
// process, what it reports on METRICS_PORT: /metrics (every Prometheus
// sample whose metric name holds both "barrier" and "timeout"), else
// /admin/stats (every JSON field named barrierTimeouts). A process that
// reports neither is an error: the suite cannot show the count is zero
// without it.
func (w *clusterWorld) BarrierTimeouts() (float64, error) {
	var total float64
	for _, n := range w.nodes {
		if n.paused {
			continue // a stopped process cannot answer
		}
		select {
		case <-n.exited:
			continue
		default:
		}
		if !n.started {
			continue
		}
		if n.mem != nil {
			if st, ok := n.mem.ClusterStats(); ok {
				total += float64(st.BarrierTimeouts)
			}
			continue
		}
		v, err := scrapeBarrierTimeouts(n.metrics + "/metrics")
		if err != nil {
			var errAdmin error
			if v, errAdmin = adminBarrierTimeouts(n.metrics+"/admin/stats", n.env["ADMIN_TOKEN"]); errAdmin != nil {
				return 0, fmt.Errorf("%s %s: %w; %w", w.name, n.id, err, errAdmin)
			}
		}
		total += v
	}
	return total, nil
}

func scrapeBarrierTimeouts(url string) (float64, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, fmt.Errorf("read the barrier-timeout count: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("read the barrier-timeout count: %s answered %d", url, resp.StatusCode)
	}
	var total float64
	found := false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		// name{labels} value [timestamp]; label values may hold spaces.
		metric, rest := line, ""
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			metric, rest = line[:i], line[i:]
		}
		if strings.HasPrefix(rest, "{") {
			if j := strings.LastIndexByte(rest, '}'); j >= 0 {
				rest = rest[j+1:]
			}
		}
		if !strings.Contains(metric, "barrier") || !strings.Contains(metric, "timeout") {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, fmt.Errorf("%s: sample %q: %w", url, line, err)
		}
		total += v
		found = true
	}
	if !found {
		return 0, fmt.Errorf("%s has no barrier-timeout metric", url)
	}
	return total, sc.Err()
}

// adminBarrierTimeouts sums every number under a key named barrierTimeouts
// (any case, with or without an underscore) in the JSON of /admin/stats.
func adminBarrierTimeouts(url, token string) (float64, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("read the barrier-timeout count: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("read the barrier-timeout count: %s answered %d", url, resp.StatusCode)
	}
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return 0, fmt.Errorf("%s: %w", url, err)
	}
	total, found := diffSumKey(v)
	if !found {
		return 0, fmt.Errorf("%s reports no barrierTimeouts", url)
	}
	return total, nil
}

func diffSumKey(v any) (float64, bool) {
	var total float64
	found := false
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if strings.EqualFold(strings.ReplaceAll(k, "_", ""), "barriertimeouts") {
				if f, ok := e.(float64); ok {
					total += f
					found = true
					continue
				}
			}
			if t, ok := diffSumKey(e); ok {
				total += t
				found = true
			}
		}
	case []any:
		for _, e := range x {
			if t, ok := diffSumKey(e); ok {
				total += t
				found = true
			}
		}
	}
	return total, found
}

func TestBarrierTimeoutReaders(t *testing.T) {
	tests := []struct {
		name, path, body string
		want             float64
		ok               bool
	}{
		{"prometheus", "/metrics", "# HELP x\nsidecast_barrier_timeouts_total 3\nsidecast_other 9\n", 3, true},
		{"prometheus labels with spaces", "/metrics", "barrier_timeout_count{peer=\"a b\"} 2 1700000000\nbarrier_timeout_count{peer=\"c\"} 1\n", 3, true},
		{"prometheus without the metric", "/metrics", "sidecast_up 1\n", 0, false},
		{"admin stats nested", "/admin/stats", `{"cluster":{"BarrierTimeouts":4,"Mirrors":2},"x":[{"barrier_timeouts":1}]}`, 5, true},
		{"admin stats without the field", "/admin/stats", `{"cluster":{"Mirrors":2}}`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/admin/stats" && r.Header.Get("Authorization") != "Bearer tok" {
					w.WriteHeader(http.StatusForbidden)
					return
				}
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			var got float64
			var err error
			if tt.path == "/metrics" {
				got, err = scrapeBarrierTimeouts(srv.URL + tt.path)
			} else {
				got, err = adminBarrierTimeouts(srv.URL+tt.path, "tok")
			}
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("got %v, %v; want %v, ok=%v", got, err, tt.want, tt.ok)
			}
		})
	}
}
