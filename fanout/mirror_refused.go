package fanout

import (
	"time"

	"github.com/sidecast/sidecast/proxy"
)

// A mirror's backend may refuse a namespace CONNECT. That is a divergence
// only when home's backend accepted it; a CONNECT every backend refuses
// (a namespace nobody serves, a client without credentials) is what one
// node would do too. The mirror cannot know home's answer when its own
// arrives: the CONNECT reaches every backend at about the same time. Home
// replays its backend's refusal as a DISCONNECT of the namespace (which
// also takes a mirror that accepted out of it); the mirror waits for that
// DISCONNECT for as long as home may take to get its answer.

// refusedConnect records that the backend refused ns.
func (m *mirror) refusedConnect(ns []byte) {
	key := string(ns)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.refused == nil {
		m.refused = make(map[string]*time.Timer)
	}
	if old := m.refused[key]; old != nil {
		old.Stop()
	}
	m.refused[key] = time.AfterFunc(m.c.cfg.BarrierTimeout+m.c.cfg.ReplyTimeout, func() { m.refusalStands(key) })
}

// homeLeftLocked: u, just written, may be home's DISCONNECT of a namespace
// this backend refused: then home refused it too.
func (m *mirror) homeLeftLocked(u proxy.Unit) {
	info := m.c.ev.classify(u, &m.gateHdr)
	if info.kind != unitDisconnect {
		return
	}
	if t := m.refused[string(info.ns)]; t != nil {
		t.Stop()
		delete(m.refused, string(info.ns))
		m.c.stats.refusedAgreed.Add(1)
	}
}

// refusalStands: home did not refuse ns in time, so it accepted it.
func (m *mirror) refusalStands(ns string) {
	m.mu.Lock()
	_, pending := m.refused[ns]
	delete(m.refused, ns)
	m.mu.Unlock()
	if !pending {
		return
	}
	m.c.stats.refused.Add(1)
	m.c.stats.diverged.Add(1)
	m.c.log.Warn("fanout: backend refused a mirror's CONNECT that home accepted", "home", m.home,
		"session", string(m.sid), "namespace", ns)
}
