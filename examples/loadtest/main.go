package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

// Ceilings that keep every run bounded in count and time.
const (
	maxPairs    = 5000
	maxRate     = 100000
	maxDuration = 10 * time.Minute
)

// config is one run's parameters.
type config struct {
	Protocol      string        // socketio or websocket
	A, B          string        // entry base URLs (http://host:port) of members a and b
	Path          string        // Socket.IO path, or the websocket path for wschat
	Pairs         int           // twin pairs
	Rate          int           // total messages per second offered
	Duration      time.Duration // how long messages are sent
	ConnectLimit  time.Duration // bound on connect+join of every client
	Concurrency   int           // dials in flight during set-up
	Drain         time.Duration // how long to wait for late copies after the last send
	TextPad       int           // extra bytes in each message text
	Progress      io.Writer     // progress lines; nil for none
	ProgressEvery time.Duration
	Phases        io.Writer // one line as each phase starts ("loadtest: phase send"); nil for none
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.StringVar(&c.Protocol, "protocol", "socketio", "socketio or websocket (the examples/wschat JSON protocol)")
	fs.StringVar(&c.A, "a", "http://127.0.0.1:3000", "entry URL of the pairs' first members")
	fs.StringVar(&c.B, "b", "", "entry URL of the pairs' second members (default: -a)")
	fs.StringVar(&c.Path, "path", "", "Socket.IO path (default /socket.io/) or websocket path (default /)")
	fs.IntVar(&c.Pairs, "pairs", 200, "twin pairs (two clients each)")
	fs.IntVar(&c.Rate, "rate", 1000, "messages per second offered, over all pairs")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long messages are sent")
	fs.DurationVar(&c.ConnectLimit, "connect-timeout", time.Minute, "bound on connect+join of all clients")
	fs.IntVar(&c.Concurrency, "connect-concurrency", 100, "dials in flight during set-up")
	fs.DurationVar(&c.Drain, "drain", 5*time.Second, "wait for late copies after the last send")
	fs.IntVar(&c.TextPad, "pad", 0, "extra bytes in each message text")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.B == "" {
		c.B = c.A
	}
	if !*quiet {
		c.Progress, c.ProgressEvery = os.Stderr, time.Second
	}
	// Phase lines are printed even with -quiet: bench.sh samples CPU at them.
	c.Phases = os.Stderr
	return c, c.check()
}

func (c *config) check() error {
	switch {
	case c.Protocol != "socketio" && c.Protocol != "websocket":
		return fmt.Errorf("%w: -protocol %q (socketio or websocket)", errBadFlag, c.Protocol)
	case c.Pairs < 1 || c.Pairs > maxPairs:
		return fmt.Errorf("%w: -pairs %d (1..%d)", errBadFlag, c.Pairs, maxPairs)
	case c.Rate < 1 || c.Rate > maxRate:
		return fmt.Errorf("%w: -rate %d (1..%d)", errBadFlag, c.Rate, maxRate)
	case c.Duration <= 0 || c.Duration > maxDuration:
		return fmt.Errorf("%w: -duration %v (up to %v)", errBadFlag, c.Duration, maxDuration)
	case c.Concurrency < 1:
		return fmt.Errorf("%w: -connect-concurrency %d", errBadFlag, c.Concurrency)
	case c.TextPad < 0 || c.TextPad > 64<<10:
		return fmt.Errorf("%w: -pad %d (0..65536)", errBadFlag, c.TextPad)
	}
	if c.Path == "" {
		c.Path = "/"
		if c.Protocol == "socketio" {
			c.Path = "/socket.io/"
		}
	}
	return nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
}
