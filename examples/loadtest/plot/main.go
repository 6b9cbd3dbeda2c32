// Command plot draws what examples/loadtest/bench.sh measured: from its
// results.tsv, one figure of three panels against the offered load, one
// line per setup (mode), each point the median over that level's runs:
// delivered messages per second, the p99 latency of the partner's copies
// (log scale) and the CPU of every measured process but the generator's
// during the send phase, in percent of one core.
//
//	go run ./examples/loadtest/plot -in results.tsv -out bench.png -svg bench.svg
//
// Columns are found by their header names, so an older results.tsv with the
// same names plots as well; the title names the node and pair counts.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	in := flag.String("in", "results.tsv", "results.tsv written by bench.sh")
	out := flag.String("out", "bench.png", "the PNG to write")
	svg := flag.String("svg", "", "also write the figure as SVG to this path")
	title := flag.String("title", "", "the figure's title (default: the node and pair counts)")
	flag.Parse()
	if err := run(*in, *out, *svg, *title); err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

func run(in, out, svg, title string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := parseResults(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	fig := newFigure(rows, title)
	if err := fig.writeFile(out, formatPNG); err != nil {
		return err
	}
	if svg != "" {
		return fig.writeFile(svg, formatSVG)
	}
	return nil
}
