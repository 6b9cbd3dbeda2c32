package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"
)

// Ceilings that keep every run bounded in count and time.
const (
	maxPairs    = 5000
	maxRate     = 100000
	maxDuration = 10 * time.Minute
	maxEntries  = 64
	maxSteady   = 10000
	maxSteadyHz = 1000
	maxSettle   = time.Minute
)

// config is one run's parameters.
type config struct {
	Protocol      string        // socketio or websocket
	Entries       []string      // entry base URLs (http://host:port), one per node; see entry
	Path          string        // Socket.IO path, or the websocket path for wschat
	Pairs         int           // twin pairs
	Rate          int           // total messages per second offered
	Duration      time.Duration // how long messages are sent
	ConnectLimit  time.Duration // bound on connect+join of every client
	Concurrency   int           // dials in flight during set-up
	Drain         time.Duration // how long to wait for late copies after the last send
	TextPad       int           // extra bytes in each message text
	Settle        time.Duration // pause between the last join and the first send
	Steady        int           // clients connected one at a time after the drain
	SteadyRate    int           // steady connects started per second
	Progress      io.Writer     // progress lines; nil for none
	ProgressEvery time.Duration
	Phases        io.Writer // one line as each phase starts ("loadtest: phase send"); nil for none
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.StringVar(&c.Protocol, "protocol", "socketio", "socketio or websocket (the examples/wschat JSON protocol)")
	a := fs.String("a", "http://127.0.0.1:3000", "entry URL of node 0 (the two-node form of -entries)")
	b := fs.String("b", "", "entry URL of node 1 (default: -a, one node)")
	entries := fs.String("entries", "", "comma-separated entry URLs, one per node; pair p's members go to nodes p and p+1 (mod their number)")
	fs.StringVar(&c.Path, "path", "", "Socket.IO path (default /socket.io/) or websocket path (default /)")
	fs.IntVar(&c.Pairs, "pairs", 200, "twin pairs (two clients each)")
	fs.IntVar(&c.Rate, "rate", 1000, "messages per second offered, over all pairs")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long messages are sent")
	fs.DurationVar(&c.ConnectLimit, "connect-timeout", time.Minute, "bound on connect+join of all clients")
	fs.IntVar(&c.Concurrency, "connect-concurrency", 100, "dials in flight during set-up")
	fs.DurationVar(&c.Drain, "drain", 5*time.Second, "wait for late copies after the last send")
	fs.IntVar(&c.TextPad, "pad", 0, "extra bytes in each message text")
	fs.DurationVar(&c.Settle, "settle", 0, "pause between the last join and the first send")
	fs.IntVar(&c.Steady, "steady-connects", 0, "clients connected one at a time after the drain, each timed")
	fs.IntVar(&c.SteadyRate, "steady-rate", 50, "steady connects per second")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case set["entries"] && (set["a"] || set["b"]):
		return c, fmt.Errorf("%w: -entries replaces -a and -b; give one form", errBadFlag)
	case set["entries"]:
		c.Entries = strings.Split(*entries, ",")
	case *b == "":
		c.Entries = []string{*a}
	default:
		c.Entries = []string{*a, *b}
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
	case len(c.Entries) < 1 || len(c.Entries) > maxEntries:
		return fmt.Errorf("%w: %d entry URLs (1..%d)", errBadFlag, len(c.Entries), maxEntries)
	case c.Settle < 0 || c.Settle > maxSettle:
		return fmt.Errorf("%w: -settle %v (0..%v)", errBadFlag, c.Settle, maxSettle)
	case c.Steady < 0 || c.Steady > maxSteady:
		return fmt.Errorf("%w: -steady-connects %d (0..%d)", errBadFlag, c.Steady, maxSteady)
	case c.Steady > 0 && (c.SteadyRate < 1 || c.SteadyRate > maxSteadyHz):
		return fmt.Errorf("%w: -steady-rate %d (1..%d)", errBadFlag, c.SteadyRate, maxSteadyHz)
	}
	for i, e := range c.Entries {
		if u, err := url.Parse(e); err != nil || !validScheme[u.Scheme] || u.Host == "" {
			return fmt.Errorf("%w: entry %d %q is not an http(s)://host:port URL", errBadFlag, i, e)
		}
	}
	if c.Path == "" {
		c.Path = "/"
		if c.Protocol == "socketio" {
			c.Path = "/socket.io/"
		}
	}
	return nil
}

// validScheme is what wsURL turns into a websocket URL, or already is one.
var validScheme = map[string]bool{"http": true, "https": true, "ws": true, "wss": true}

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
