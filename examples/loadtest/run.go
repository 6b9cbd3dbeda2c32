package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// runner holds one run's clients and what they record. Counters are
// atomics: readers write them, the reporter and run read them.
type runner struct {
	cfg     config
	proto   protocol
	clients []*client // pair*2 + member
	total   int       // messages the run may send
	t0      time.Time // the monotonic origin of send times
	text    []byte    // the sender's scratch

	sent      atomic.Int64
	sendErrs  atomic.Int64
	acks      atomic.Int64
	misrouted atomic.Int64
	delivered atomic.Int64 // partner copies, first ones
	selfCopy  atomic.Int64 // sender's own copies, first ones
	dups      atomic.Int64
	lastRecv  atomic.Int64 // ns since t0 of the latest partner copy

	copies [2][]atomic.Uint32 // [self, partner][k]
	lat    [2][]int64         // [self, partner] latency of message k, ns
}

func newRunner(cfg config) *runner {
	total := int(int64(cfg.Rate)*int64(cfg.Duration)/int64(time.Second)) + 1
	r := &runner{cfg: cfg, proto: newProtocol(cfg.Protocol), total: total}
	r.lat[0] = make([]int64, total)
	r.lat[1] = make([]int64, total)
	r.copies[0] = make([]atomic.Uint32, total)
	r.copies[1] = make([]atomic.Uint32, total)
	for p := 0; p < cfg.Pairs; p++ {
		r.clients = append(r.clients, newClient(r, p, 0), newClient(r, p, 1))
	}
	return r
}

// run connects every client, sends for the configured duration, waits for
// late copies, times the steady connects and returns the result. It owns
// every goroutine it starts.
func run(ctx context.Context, cfg config) (result, error) {
	if err := cfg.check(); err != nil {
		return result{}, err
	}
	r := newRunner(cfg)
	defer r.closeAll()
	r.t0 = time.Now()
	r.phase("connect")
	setup, err := r.connectAll(ctx)
	if err != nil {
		return result{}, err
	}
	var readers sync.WaitGroup
	for _, c := range r.clients {
		readers.Add(1)
		go r.readLoop(c, &readers)
	}
	// bench.sh reads the servers' connect-phase CPU at this line; the
	// settle keeps the first sends out of that reading, however late the
	// script sees the line.
	r.phase("joined")
	if !sleepCtx(ctx, r.cfg.Settle) {
		return result{}, fmt.Errorf("loadtest: settle: %w", ctx.Err())
	}
	stopProgress := r.startProgress()
	r.phase("send")
	start := time.Since(r.t0)
	r.sendLoop(ctx, start)
	end := time.Since(r.t0)
	r.phase("drain")
	r.drain(ctx)
	stopProgress()
	// The pairs stay connected during the steady connects: those are timed
	// against servers that hold the run's whole population.
	steady := r.steadyConnects(ctx)
	r.closeAll()
	readers.Wait() // no reader writes what result reads from here on
	res := r.result(setup, start, end)
	res.SteadyConnects, res.SteadyConnectErrors, res.SteadyConnectMs = len(steady.times), steady.errs, steady.summary()
	return res, nil
}

// sleepCtx waits d, or less if ctx ends first; it says whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// entry is the base URL that member of pair connects to. With N entries,
// member a goes to node p mod N and member b to node p+1 mod N: every
// pair crosses nodes (when N > 1) and each node gets 2P/N clients, half of
// them a members, so the load is even for any N.
func entry(entries []string, pair, member int) string {
	return entries[(pair+member)%len(entries)]
}

// phase announces the start of a phase on cfg.Phases.
func (r *runner) phase(name string) {
	if r.cfg.Phases != nil {
		fmt.Fprintf(r.cfg.Phases, "loadtest: phase %s\n", name)
	}
}

func (r *runner) readLoop(c *client, wg *sync.WaitGroup) {
	defer wg.Done()
	c.readLoop()
}

// connectAll dials and joins every client, at most cfg.Concurrency at a
// time, and returns how long it took for all of them.
func (r *runner) connectAll(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.ConnectLimit)
	defer cancel()
	start := time.Now()
	sem := make(chan struct{}, r.cfg.Concurrency)
	errs := make(chan error, len(r.clients))
	var wg sync.WaitGroup
	for _, c := range r.clients {
		wg.Add(1)
		sem <- struct{}{}
		go r.connectOne(ctx, c, sem, errs, &wg)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return 0, fmt.Errorf("%d of %d clients failed to connect and join; first: %w", len(errs)+1, len(r.clients), err)
	}
	return time.Since(start), nil
}

func (r *runner) connectOne(ctx context.Context, c *client, sem chan struct{}, errs chan<- error, wg *sync.WaitGroup) {
	defer wg.Done()
	defer func() { <-sem }()
	if err := r.connect(ctx, c, entry(r.cfg.Entries, c.pair, c.member)); err != nil {
		errs <- err
	}
}

// connect dials base and runs the handshake and join of c, bounded by
// ctx's deadline.
func (r *runner) connect(ctx context.Context, c *client, base string) error {
	if err := c.dial(ctx, base); err != nil {
		return err
	}
	// The deadline unblocks a handshake read that would hang past the bound.
	if dl, ok := ctx.Deadline(); ok {
		_ = c.conn.SetReadDeadline(dl)
	}
	err := r.proto.setup(c)
	_ = c.conn.SetReadDeadline(time.Time{})
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v): %v", errSetupTimeout, r.cfg.ConnectLimit, err)
		}
		return fmt.Errorf("%s: %w", c.user, err)
	}
	return nil
}

// sendLoop paces the messages: message k is due at start + k/rate, sent by
// pair k%P, its members taking turns. A saturated server that stops reading
// makes writes block; past sendLimit the rest is not sent, so the run stays
// bounded and sentRate shows the shortfall.
func (r *runner) sendLoop(ctx context.Context, start time.Duration) {
	p := r.cfg.Pairs
	limit := start + r.cfg.Duration + r.cfg.Duration/2 + writeTimeout
	for k := 0; k < r.total; k++ {
		if time.Since(r.t0) > limit {
			return
		}
		due := start + time.Duration(int64(k)*int64(time.Second)/int64(r.cfg.Rate))
		if wait := due - time.Since(r.t0); wait > 200*time.Microsecond {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		c := r.clients[(k%p)*2+(k/p)%2]
		if err := c.send(k, time.Since(r.t0)); err != nil {
			r.sendErrs.Add(1)
			continue
		}
		r.sent.Add(1)
	}
}

// drain waits until every sent message reached both members, or cfg.Drain.
func (r *runner) drain(ctx context.Context) {
	deadline := time.Now().Add(r.cfg.Drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if r.delivered.Load() >= r.sent.Load() && r.selfCopy.Load() >= r.sent.Load() {
			return
		}
		time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
	}
}

// record counts one received room message text at client c.
func (r *runner) record(c *client, frame []byte) {
	now := time.Since(r.t0).Nanoseconds()
	k, ts, ok := parseText(frame)
	p := r.cfg.Pairs
	if !ok || k < 0 || k >= r.total || k%p != c.pair {
		r.misrouted.Add(1)
		return
	}
	side := 0
	if (k/p)%2 != c.member {
		side = 1
	}
	if r.copies[side][k].Add(1) > 1 {
		r.dups.Add(1)
		return
	}
	r.lat[side][k] = now - ts
	if side == 0 {
		r.selfCopy.Add(1)
		return
	}
	r.delivered.Add(1)
	for {
		last := r.lastRecv.Load()
		if now <= last || r.lastRecv.CompareAndSwap(last, now) {
			return
		}
	}
}

func (r *runner) closeAll() {
	for _, c := range r.clients {
		c.close()
	}
}
