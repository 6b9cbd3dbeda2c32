package fanout

import (
	"context"
	"time"

	"github.com/gobwas/ws"
)

// A backend that goes away takes every mirror on it along. When it returns,
// client sessions this node accepts reach a backend that knows nothing yet
// of the other nodes' clients: whatever it sends to a room in its first
// moments (a "user joined", the first message after a reconnect) misses
// them. So the node takes no new client session (Admit is false) from the
// moment it sees its backend go until the mirrors of every live remote
// session are open again and have their membership written:
//
//   - down: a mirror lost its connection, or a mirror could not be dialed.
//     syncLoop (owned by c.wg) checks the backend every BackendRetry.
//   - syncing: the backend accepts connections. Every live peer is asked
//     for snapshots with the payload snapshotSync, answers with one
//     snapshot per session and then a snapshot with no session (the end
//     mark). Once every peer's end mark came and every mirror has written
//     what it holds, the node admits clients again; BarrierTimeout bounds
//     the wait for a peer that never answers (an older one sends no mark).

// snapshotSync asks a peer to end its snapshots with an end mark.
var snapshotSync = []byte("sync")

// Backend states, as BackendState reports them.
const (
	BackendOK      = ""
	BackendDown    = "backend_down"
	BackendSyncing = "syncing"
)

// syncState is guarded by Cluster.mu.
type syncState struct {
	state  string
	peers  map[string]bool // peers whose end mark is awaited
	timer  *time.Timer     // bounds the wait for end marks
	looped bool            // syncLoop runs
}

// Admit reports whether the node may take a new client session now; the
// proxy asks it (proxy.Admitter) before dialing the backend for one.
func (c *Cluster) Admit() bool { return !c.gated.Load() }

// BackendState is BackendOK, BackendDown or BackendSyncing, for health.
func (c *Cluster) BackendState() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sync.state
}

// backendLost: a mirror's connection to the backend broke or could not be
// made. Unless the node is closing, it stops admitting clients and
// watches for the backend's return.
func (c *Cluster) backendLost() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if c.sync.state != BackendDown {
		c.log.Warn("fanout: backend connection lost: no new client sessions until it is back and mirrors are rebuilt")
	}
	c.sync.state = BackendDown
	c.gated.Store(true)
	c.stopSyncTimerLocked()
	if !c.sync.looped {
		c.sync.looped = true
		c.wg.Add(1)
		go c.syncLoop()
	}
}

// syncLoop checks the backend every BackendRetry while it is down, then
// starts the rebuild.
func (c *Cluster) syncLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.BackendRetry)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.DialTimeout)
		err := c.px.ProbeBackend(ctx)
		cancel()
		if err != nil {
			continue
		}
		c.mu.Lock()
		c.sync.looped = false
		down := c.sync.state == BackendDown
		c.mu.Unlock()
		if down {
			c.BackendReturned()
		}
		return
	}
}

// BackendReturned starts the rebuild of every mirror: the node's own
// watch calls it too when it saw the backend down and back. A snapshot
// for a mirror that is in step is ignored, so asking is safe.
func (c *Cluster) BackendReturned() {
	peers := c.reg.Peers()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.sync.state = BackendSyncing
	c.gated.Store(true)
	c.sync.peers = make(map[string]bool, len(peers))
	for _, p := range peers {
		c.sync.peers[p.ID] = true
	}
	c.stopSyncTimerLocked()
	c.sync.timer = time.AfterFunc(c.cfg.BarrierTimeout, c.syncTimeout)
	c.mu.Unlock()
	for _, p := range peers {
		c.sendControl(p.ID, KindSnapshotRequest, nil, 0, snapshotSync)
	}
	c.log.Info("fanout: backend is back: rebuilding the mirrors of every peer's sessions before taking clients", "peers", len(peers))
	c.checkSync()
}

func (c *Cluster) stopSyncTimerLocked() {
	if c.sync.timer != nil {
		c.sync.timer.Stop()
		c.sync.timer = nil
	}
}

// syncTimeout: some peer sent no end mark in time; the node admits clients
// once the mirrors it has are written.
func (c *Cluster) syncTimeout() {
	c.mu.Lock()
	if c.sync.state == BackendSyncing && len(c.sync.peers) > 0 {
		c.stats.syncTimeouts.Add(1)
		c.log.Warn("fanout: peers sent no end of snapshots in time", "peers", len(c.sync.peers))
		clear(c.sync.peers)
	}
	c.mu.Unlock()
	c.checkSync()
}

// syncDone: peer sent its last snapshot.
func (c *Cluster) syncDone(peer string) {
	c.mu.Lock()
	delete(c.sync.peers, peer)
	c.mu.Unlock()
	c.checkSync()
}

// peerLeftSync: a dead peer is not waited for.
func (c *Cluster) peerLeftSync(peer string) { c.syncDone(peer) }

// checkSync admits clients again once every end mark came and every mirror
// is open with nothing left to write. Mirrors call it (mirrorSettled) after
// each step while the node syncs.
func (c *Cluster) checkSync() {
	c.mu.Lock()
	if c.sync.state != BackendSyncing || len(c.sync.peers) > 0 {
		c.mu.Unlock()
		return
	}
	ms := make([]*mirror, 0, len(c.mirrors))
	for _, m := range c.mirrors {
		ms = append(ms, m)
	}
	c.mu.Unlock()
	for _, m := range ms {
		if !m.settled() {
			return
		}
	}
	c.mu.Lock()
	if c.sync.state == BackendSyncing && len(c.sync.peers) == 0 {
		c.sync.state = BackendOK
		c.gated.Store(false)
		c.stopSyncTimerLocked()
		c.log.Info("fanout: mirrors rebuilt: taking client sessions again", "mirrors", len(c.mirrors))
	}
	c.mu.Unlock()
}

// mirrorSettled is called by a mirror after it wrote or dropped something.
// While the node syncs, the check (a pass over every mirror) runs at most
// once per MirrorSettle, not once per mirror step: a rebuild of many
// mirrors would otherwise cost their number squared.
func (c *Cluster) mirrorSettled() {
	if c.gated.Load() && c.syncCheck.CompareAndSwap(false, true) {
		time.AfterFunc(c.cfg.MirrorSettle, func() {
			c.syncCheck.Store(false)
			c.checkSync()
		})
	}
}

// settled: the mirror is open (or gone) and has written all it holds.
func (m *mirror) settled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed || (!m.dialing && !m.gate && len(m.queue) == 0)
}

// lostBackend says whether a mirror's end means its backend went away: a
// connection lost without a close frame, or a server going away.
func lostBackend(code ws.StatusCode) bool {
	return code == 0 || code == ws.StatusGoingAway
}
