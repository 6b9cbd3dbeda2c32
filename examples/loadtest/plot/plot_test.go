package main

import (
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// header is the part of bench.sh's header these tests need, out of order
// and with a column the figure does not use: columns are found by name.
const header = "mode\tpairs\tnodes\toffered\tsteady_p99ms\tdeliv/s\tp99ms\tsend_cpu_s\tsend_wall_s\n"

func TestParseResults(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []sample
		err  string
	}{
		{"runs", header +
			"native\t200\t2\t500\t3.1\t499\t2.5\t2.5\t10\n" +
			"single\t200\t1\t500\t1.0\t500\t0.9\t1\t0\n",
			[]sample{{mode: "native", offered: 500, deliv: 499, p99: 2.5, cpuPct: 25, nodes: 2, pairs: 200},
				{mode: "single", offered: 500, deliv: 500, p99: 0.9, cpuPct: -1, nodes: 1, pairs: 200}}, ""},
		{"blank lines", header + "\nnative\t200\t2\t500\t3.1\t499\t2.5\t5\t10\n\n",
			[]sample{{mode: "native", offered: 500, deliv: 499, p99: 2.5, cpuPct: 50, nodes: 2, pairs: 200}}, ""},
		{"empty", "", nil, "no runs"},
		{"header only", header, nil, "no runs"},
		{"missing column", "mode\toffered\tdeliv/s\tp99ms\n", nil, `no column "send_cpu_s"`},
		{"short line", header + "native\t200\t2\n", nil, "line 2: 3 fields"},
		{"not a number", header + "native\t200\t2\t500\t3.1\tmany\t2.5\t2.5\t10\n", nil, "line 2, deliv/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseResults(strings.NewReader(tt.text))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseResults: error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseResults: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("parseResults: %d rows %+v, want %+v", len(got), got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("row %d: %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseResultsEmptyIsErrNoRows(t *testing.T) {
	if _, err := parseResults(strings.NewReader(header)); !errors.Is(err, errNoRows) {
		t.Errorf("parseResults of a header alone: %v, want errNoRows", err)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		v    []float64
		want float64
	}{
		{"none", nil, -1},
		{"one", []float64{3}, 3},
		{"odd, unsorted", []float64{9, 1, 5}, 5},
		{"even: the middle two's mean", []float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := median(tt.v); got != tt.want {
				t.Errorf("median(%v) = %v, want %v", tt.v, got, tt.want)
			}
		})
	}
}

// TestMedians groups the fixture's runs by mode and level: modes in the
// order they first appear, levels ascending, the CPU median over the runs
// whose send phase was seen.
func TestMedians(t *testing.T) {
	rows := readFixture(t)
	ss := medians(rows)
	var modes []string
	for _, s := range ss {
		modes = append(modes, s.mode)
	}
	if got := strings.Join(modes, " "); got != "native nginx sidecast single" {
		t.Fatalf("modes %q, want the fixture's order", got)
	}
	tests := []struct {
		mode  string
		level int
		want  point
	}{
		{"native", 0, point{offered: 500, deliv: 500, p99: 2.90, cpuPct: 25.2, runs: 3}},
		{"nginx", 1, point{offered: 4000, deliv: 3998, p99: 11.80, cpuPct: 11.40 / 10.1 * 100, runs: 3}},
		// Run 3 has no send wall time: the median of the other two.
		{"sidecast", 1, point{offered: 4000, deliv: 3999, p99: 8.77, cpuPct: (11.01 + 11.30) / 2 / 10.1 * 100, runs: 3}},
		{"single", 1, point{offered: 4000, deliv: 4000, p99: 3.10, cpuPct: 4.80 / 10.1 * 100, runs: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			var s series
			for _, x := range ss {
				if x.mode == tt.mode {
					s = x
				}
			}
			if len(s.points) != 2 || s.points[0].offered > s.points[1].offered {
				t.Fatalf("%s: points %+v, want two levels, ascending", tt.mode, s.points)
			}
			got := s.points[tt.level]
			if got.offered != tt.want.offered || got.deliv != tt.want.deliv || got.p99 != tt.want.p99 ||
				got.runs != tt.want.runs || math.Abs(got.cpuPct-tt.want.cpuPct) > 1e-9 {
				t.Errorf("%s level %d: %+v, want %+v", tt.mode, tt.level, got, tt.want)
			}
		})
	}
	if nodes, pairs, runs := scale(rows, ss); nodes != 2 || pairs != 200 || runs != 3 {
		t.Errorf("scale = %d nodes, %d pairs, %d runs; want 2, 200, 3", nodes, pairs, runs)
	}
}

// TestRender draws the fixture and reads the PNG back: a decodable image
// of the figure's size, and an SVG beside it.
func TestRender(t *testing.T) {
	dir := t.TempDir()
	out, svg := filepath.Join(dir, "bench.png"), filepath.Join(dir, "bench.svg")
	if err := run(filepath.Join("testdata", "results.tsv"), out, svg, ""); err != nil {
		t.Fatalf("run: %v", err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	// vgimg draws at 96 dots per inch.
	b := img.Bounds()
	if w, h := b.Dx(), b.Dy(); w != int(figWidth.Dots(96)) || h != int(figHeight.Dots(96)) {
		t.Errorf("PNG is %d×%d, want %v×%v", w, h, figWidth.Dots(96), figHeight.Dots(96))
	}
	// Lines, text and axes: far from a blank page.
	inked := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r&g&bl < 0xf000 {
				inked++
			}
		}
	}
	if inked < b.Dx()*b.Dy()/100 {
		t.Errorf("%d of %d pixels are drawn on, want at least 1%%", inked, b.Dx()*b.Dy())
	}
	text, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "<svg") || !strings.Contains(string(text), "2 nodes per setup (single: one), 200 twin pairs") {
		t.Errorf("SVG has no figure with the title's node and pair counts (%d bytes)", len(text))
	}
}

func readFixture(t *testing.T) []sample {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "results.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := parseResults(f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
