package main

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// errNoRows says a results file has a header but no runs.
var errNoRows = errors.New("no runs in the results")

// sample is one run of results.tsv: what the figure needs of it.
type sample struct {
	mode    string
	offered float64
	deliv   float64 // delivered partner copies per second
	p99     float64 // ms, partner copies
	cpuPct  float64 // send-phase CPU of every process but the generator, % of one core; <0 unknown
	nodes   int
	pairs   int
}

// columns are the header names parseResults needs.
var columns = []string{"mode", "offered", "deliv/s", "p99ms", "send_cpu_s", "send_wall_s", "nodes", "pairs"}

// parseResults reads bench.sh's results.tsv: a header line, then one
// tab-separated line per run.
func parseResults(r io.Reader) ([]sample, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read header: %w", err)
		}
		return nil, errNoRows
	}
	col := map[string]int{}
	for i, name := range strings.Split(sc.Text(), "\t") {
		col[name] = i
	}
	for _, name := range columns {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("header has no column %q", name)
		}
	}
	var rows []sample
	for line := 2; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) < len(col) {
			return nil, fmt.Errorf("line %d: %d fields, the header has %d", line, len(f), len(col))
		}
		var nums [7]float64
		for i, name := range columns[1:] {
			v, err := strconv.ParseFloat(f[col[name]], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d, %s: %w", line, name, err)
			}
			nums[i] = v
		}
		s := sample{mode: f[col["mode"]], offered: nums[0], deliv: nums[1], p99: nums[2],
			cpuPct: -1, nodes: int(nums[5]), pairs: int(nums[6])}
		// A run whose send phase the script did not see (the generator
		// failed) has no wall time: its CPU share is unknown.
		if nums[4] > 0 {
			s.cpuPct = nums[3] / nums[4] * 100
		}
		rows = append(rows, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(rows) == 0 {
		return nil, errNoRows
	}
	return rows, nil
}

// point is one level of one setup: medians over its runs.
type point struct {
	offered, deliv, p99, cpuPct float64
	runs                        int
}

// series is one setup's points, by offered load.
type series struct {
	mode   string
	points []point
}

// medians groups the runs by mode (in the order the modes first appear)
// and offered load, and takes each group's medians.
func medians(rows []sample) []series {
	type key struct {
		mode    string
		offered float64
	}
	var modes []string
	groups := map[key][]sample{}
	for _, r := range rows {
		if !slices.Contains(modes, r.mode) {
			modes = append(modes, r.mode)
		}
		k := key{r.mode, r.offered}
		groups[k] = append(groups[k], r)
	}
	out := make([]series, 0, len(modes))
	for _, m := range modes {
		s := series{mode: m}
		for k, g := range groups {
			if k.mode != m {
				continue
			}
			var deliv, p99, cpu []float64
			for _, r := range g {
				deliv, p99 = append(deliv, r.deliv), append(p99, r.p99)
				if r.cpuPct >= 0 {
					cpu = append(cpu, r.cpuPct)
				}
			}
			p := point{offered: k.offered, runs: len(g), deliv: median(deliv), p99: median(p99), cpuPct: median(cpu)}
			s.points = append(s.points, p)
		}
		slices.SortFunc(s.points, func(a, b point) int { return cmp.Compare(a.offered, b.offered) })
		out = append(out, s)
	}
	return out
}

// median of v (sorted in place), or -1 for none: the unknown value.
func median(v []float64) float64 {
	n := len(v)
	if n == 0 {
		return -1
	}
	slices.Sort(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// scale is what the title says about the runs: the node count of the
// clustered setups (single has one), the pairs, and the most runs per level.
func scale(rows []sample, ss []series) (nodes, pairs, runs int) {
	for _, r := range rows {
		nodes = max(nodes, r.nodes)
		pairs = max(pairs, r.pairs)
	}
	for _, s := range ss {
		for _, p := range s.points {
			runs = max(runs, p.runs)
		}
	}
	return nodes, pairs, runs
}
