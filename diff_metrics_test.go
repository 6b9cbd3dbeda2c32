package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// barrierTimeouts sums, over the world's running nodes, the barrier
// timeouts each counted: an in-process node's mirror statistics, or for a
// process, what it reports on METRICS_PORT's /metrics (every Prometheus
// sample whose metric name holds both "barrier" and "timeout"). A process
// that serves no such metric is an error: the suite cannot show the count
// is zero without it.
func (w *clusterWorld) barrierTimeouts() (float64, error) {
	var total float64
	for _, n := range w.nodes {
		select {
		case <-n.exited:
			continue
		default:
		}
		if !n.started {
			continue
		}
		if n.mem != nil {
			if st, ok := n.mem.clusterStats(); ok {
				total += float64(st.BarrierTimeouts)
			}
			continue
		}
		v, err := scrapeBarrierTimeouts(n.metrics + "/metrics")
		if err != nil {
			return 0, fmt.Errorf("%s %s: %w", w.name, n.id, err)
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
