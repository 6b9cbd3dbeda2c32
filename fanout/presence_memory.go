package fanout

import (
	"context"
	"time"
)

// PutPresence stores record under id until ttl passes.
func (b *MemoryBus) PutPresence(ctx context.Context, id string, record []byte, ttl time.Duration) error {
	if b.closed() {
		return ErrClosed
	}
	b.hub.mu.Lock()
	defer b.hub.mu.Unlock()
	b.hub.presence[id] = memRecord{record: append([]byte(nil), record...), expires: time.Now().Add(ttl)}
	return nil
}

// DeletePresence removes id's record.
func (b *MemoryBus) DeletePresence(ctx context.Context, id string) error {
	b.hub.mu.Lock()
	defer b.hub.mu.Unlock()
	delete(b.hub.presence, id)
	return nil
}

// ListPresence calls fn for every unexpired record, dropping expired ones
// as Redis would. fn runs without the hub's lock held.
func (b *MemoryBus) ListPresence(ctx context.Context, fn func(id string, record []byte)) error {
	if b.closed() {
		return ErrClosed
	}
	now := time.Now()
	type entry struct {
		id  string
		rec []byte
	}
	var live []entry
	b.hub.mu.Lock()
	for id, r := range b.hub.presence {
		if now.After(r.expires) {
			delete(b.hub.presence, id)
			continue
		}
		live = append(live, entry{id, r.record})
	}
	b.hub.mu.Unlock()
	for _, e := range live {
		fn(e.id, e.rec)
	}
	return nil
}
