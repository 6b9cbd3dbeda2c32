package fanout

import (
	"fmt"
	"slices"
)

// record is one node's registry record, read.
type record struct {
	peer   Peer
	values map[string]string // its settings by name; nil from an earlier build
}

// readRecord reads a KindHeartbeat or KindLeave envelope.
func readRecord(env *Envelope) record {
	addr, values, known := parseRecordPayload(env.Payload)
	if !known {
		values = nil
	}
	return record{peer: Peer{ID: string(env.Sender), Epoch: env.Epoch, Address: addr}, values: values}
}

// seen applies a live record: a node whose settings refuse this one is
// kept out of the peers (no mirrors, no forwards, no barrier waits for it),
// any other is a peer; a disagreement is logged once and listed.
func (r *Registry) seen(rec record, reason string) {
	var ms []Mismatch
	if rec.values != nil {
		ms = compare(rec.peer.ID, r.here, rec.values)
	}
	// Reported last: a restart's down forgets the report of the old boot.
	defer r.report(rec, ms)
	if len(ms) > 0 && ms[0].Refused {
		r.mu.Lock()
		r.refused[rec.peer.ID] = rec.peer
		r.mu.Unlock()
		if old, ok := r.Peer(rec.peer.ID); ok {
			r.down(old, "refused") // restarted with settings that refuse this node
		}
		return
	}
	r.mu.Lock()
	delete(r.refused, rec.peer.ID)
	r.mu.Unlock()
	r.up(rec.peer, reason)
}

// report records and logs where rec's settings differ from this node's,
// once per change of the disagreement.
func (r *Registry) report(rec record, ms []Mismatch) {
	id := rec.peer.ID
	fp := "unknown"
	if rec.values != nil {
		fp = fmt.Sprint(ms)
	}
	if r.reported[id] == fp {
		return
	}
	was := r.reported[id]
	r.reported[id] = fp
	r.mu.Lock()
	if len(ms) > 0 {
		r.mismatches[id] = ms
	} else {
		delete(r.mismatches, id)
	}
	r.mu.Unlock()
	switch {
	case rec.values == nil:
		r.cfg.Logger.Info("fanout: peer does not announce its settings (an earlier build): they cannot be compared", "peer", id)
	case len(ms) == 0 && was != "":
		r.cfg.Logger.Info("fanout: peer settings agree with this node's again", "peer", id)
	}
	for _, m := range ms {
		action := "kept as a peer: a rolling change works, but until every node has the same value the cluster does not behave as one node"
		if m.Refused {
			action = "refused as a peer (no mirrors, no forwards): nodes that disagree on this cannot work together"
		}
		r.cfg.Logger.Warn("fanout: peer settings differ from this node's", "peer", id, "setting", m.Setting,
			"here", m.Here, "there", m.There, "action", action)
	}
}

// forgetRefused forgets the refused nodes absent from a listing.
func (r *Registry) forgetRefused(live map[string]record) {
	r.mu.RLock()
	var gone []string
	for id := range r.refused {
		if _, ok := live[id]; !ok {
			gone = append(gone, id)
		}
	}
	r.mu.RUnlock()
	for _, id := range gone {
		r.forget(id)
	}
}

// forget drops what is known about a refused node that left.
func (r *Registry) forget(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.refused[id]; !ok {
		return
	}
	delete(r.refused, id)
	delete(r.mismatches, id)
	delete(r.reported, id)
}

// Mismatches lists, per live node (peer or refused), the settings on which
// it disagrees with this node, sorted by node id.
func (r *Registry) Mismatches() []Mismatch {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]string, 0, len(r.mismatches))
	for id := range r.mismatches {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := []Mismatch{}
	for _, id := range ids {
		out = append(out, r.mismatches[id]...)
	}
	return out
}
