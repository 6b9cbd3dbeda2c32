package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// steadyResult is what the steady connects measured: the time of each
// successful connect+handshake+join, and how many failed.
type steadyResult struct {
	times []time.Duration
	errs  int   // failed or, past the phase's bound, not started
	first error // the first failure, for the log
}

// connectLatencies summarises the steady connects' times.
type connectLatencies struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func (s steadyResult) summary() connectLatencies {
	if len(s.times) == 0 {
		return connectLatencies{}
	}
	t := slices.Clone(s.times)
	slices.Sort(t)
	q := func(f float64) float64 { return ms(quantile(t, f)) }
	return connectLatencies{P50: q(0.5), P99: q(0.99), Max: q(1)}
}

// steadyConnects connects cfg.Steady more clients one at a time, the i-th
// due at i/SteadyRate after the first (or at once, when the one before took
// longer): the cost of a connect at an even pace, next to connectJoinMs,
// which is a storm of them. Client i joins a room of its own that no one
// else is in, at node i mod N, and is closed as soon as it has joined. The
// whole phase is bounded by the time its pace takes plus cfg.ConnectLimit.
func (r *runner) steadyConnects(ctx context.Context) steadyResult {
	var res steadyResult
	n := r.cfg.Steady
	if n == 0 {
		return res
	}
	r.phase("steady")
	every := time.Second / time.Duration(r.cfg.SteadyRate)
	ctx, cancel := context.WithTimeout(ctx, time.Duration(n)*every+r.cfg.ConnectLimit)
	defer cancel()
	// A run-unique prefix keeps the rooms fresh on servers that outlive
	// one run: nothing of an earlier run's steady client is left to find.
	prefix := "s" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-"
	start := time.Now()
	for i := 0; i < n; i++ {
		if !sleepCtx(ctx, time.Until(start.Add(time.Duration(i)*every))) {
			break
		}
		c := newClient(r, -1, 0)
		c.user = prefix + strconv.Itoa(i)
		c.room = c.user
		t := time.Now()
		err := r.connect(ctx, c, r.cfg.Entries[i%len(r.cfg.Entries)])
		d := time.Since(t)
		c.close()
		if err != nil {
			if res.first == nil {
				res.first = err
			}
			continue
		}
		res.times = append(res.times, d)
	}
	// Connects the bound left unstarted count as failed too.
	if res.errs = n - len(res.times); res.errs > 0 && res.first == nil {
		res.first = ctx.Err()
	}
	if res.errs > 0 && r.cfg.Phases != nil {
		fmt.Fprintf(r.cfg.Phases, "loadtest: %d steady connects failed; first: %v\n", res.errs, res.first)
	}
	return res
}
