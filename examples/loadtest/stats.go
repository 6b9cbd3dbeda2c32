package main

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// result is the run's one JSON line. Rates are per second; "delivered" is
// the partner's copies, the ones that crossed from one entry node to the
// other; the sender's own copies are counted apart.
type result struct {
	Protocol      string    `json:"protocol"`
	Pairs         int       `json:"pairs"`
	Clients       int       `json:"clients"`
	OfferedRate   int       `json:"offeredRate"`
	DurationS     float64   `json:"durationS"`
	ConnectJoinMs float64   `json:"connectJoinMs"`
	Sent          int64     `json:"sent"`
	SentRate      float64   `json:"sentRate"`
	SendErrors    int64     `json:"sendErrors"`
	Delivered     int64     `json:"delivered"`
	DeliveredRate float64   `json:"deliveredRate"`
	SelfDelivered int64     `json:"selfDelivered"`
	Lost          int64     `json:"lost"`
	LostSelf      int64     `json:"lostSelf"`
	Duplicated    int64     `json:"duplicated"`
	Misrouted     int64     `json:"misrouted"`
	Acks          int64     `json:"acks"`
	LatencyMs     latencies `json:"latencyMs"`
	// SelfLatencyMs is the sender's own copy: the way through the sender's
	// entry node and backend alone, which the partner's copy also takes
	// before it crosses to the other node.
	SelfLatencyMs latencies `json:"selfLatencyMs"`
	CPUS          float64   `json:"cpuS"` // the generator's own CPU time (user+system), whole run
	// SteadyConnectMs is connect+handshake+join of each -steady-connects
	// client, one at a time after the drain: a connect's own latency, where
	// connectJoinMs is that of a storm.
	SteadyConnects      int              `json:"steadyConnects"`
	SteadyConnectErrors int              `json:"steadyConnectErrors"`
	SteadyConnectMs     connectLatencies `json:"steadyConnectMs"`
}

type latencies struct {
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

func (r *runner) result(setup, start, end time.Duration) result {
	sent := r.sent.Load()
	res := result{
		Protocol: r.cfg.Protocol, Pairs: r.cfg.Pairs, Clients: len(r.clients), OfferedRate: r.cfg.Rate,
		DurationS: (end - start).Seconds(), ConnectJoinMs: ms(setup),
		Sent: sent, SendErrors: r.sendErrs.Load(),
		Delivered: r.delivered.Load(), SelfDelivered: r.selfCopy.Load(),
		Duplicated: r.dups.Load(), Misrouted: r.misrouted.Load(), Acks: r.acks.Load(),
	}
	res.Lost, res.LostSelf = sent-res.Delivered, sent-res.SelfDelivered
	if d := (end - start).Seconds(); d > 0 {
		res.SentRate = float64(sent) / d
	}
	// Delivered over the time from the first send to the last delivery, so
	// a backlog drained after the last send lowers the rate.
	if d := time.Duration(r.lastRecv.Load()) - start; d > 0 {
		res.DeliveredRate = float64(res.Delivered) / d.Seconds()
	}
	res.LatencyMs = r.latencies(1)
	res.SelfLatencyMs = r.latencies(0)
	res.CPUS = selfCPU().Seconds()
	return res
}

// latencies summarises one side's copies: 0 the sender's own, 1 the partner's.
func (r *runner) latencies(side int) latencies {
	var lat []int64
	for k := range r.total {
		if r.copies[side][k].Load() > 0 {
			lat = append(lat, r.lat[side][k])
		}
	}
	if len(lat) == 0 {
		return latencies{}
	}
	slices.Sort(lat)
	q := func(f float64) float64 { return ms(time.Duration(quantile(lat, f))) }
	return latencies{P50: q(0.5), P99: q(0.99), P999: q(0.999), Max: q(1)}
}

// quantile is the value at fraction f of sorted, which is not empty: the
// nearest rank at or below it.
func quantile[T ~int64](sorted []T, f float64) T { return sorted[int(f*float64(len(sorted)-1))] }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// startProgress prints a progress line every cfg.ProgressEvery until the
// returned stop is called; stop waits for the reporter to end.
func (r *runner) startProgress() (stop func()) {
	if r.cfg.Progress == nil || r.cfg.ProgressEvery <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go r.reportLoop(done, &wg)
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

func (r *runner) reportLoop(done <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	tick := time.NewTicker(r.cfg.ProgressEvery)
	defer tick.Stop()
	var lastSent, lastDelivered int64
	start := time.Now()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		sent, delivered := r.sent.Load(), r.delivered.Load()
		per := r.cfg.ProgressEvery.Seconds()
		fmt.Fprintf(r.cfg.Progress, "loadtest: %4.0fs sent %d (%.0f/s) delivered %d (%.0f/s) in flight %d dup %d\n",
			time.Since(start).Seconds(), sent, float64(sent-lastSent)/per, delivered,
			float64(delivered-lastDelivered)/per, sent-delivered, r.dups.Load())
		lastSent, lastDelivered = sent, delivered
	}
}
