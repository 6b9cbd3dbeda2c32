package netpoll

import "sync"

// table maps a descriptor to its live registration. Generations make keys of
// closed registrations stale even when the kernel reuses the fd.
type table struct {
	mu      sync.RWMutex
	entries []entry
	closed  bool
}

type entry struct {
	h   Handler
	gen uint32
}

// add records h for fd and returns its key.
func (t *table) add(fd int, h Handler) (Key, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return Key{}, ErrClosed
	}
	if fd >= len(t.entries) {
		grown := make([]entry, max(fd+1, 2*len(t.entries), 64))
		copy(grown, t.entries)
		t.entries = grown
	}
	e := &t.entries[fd]
	e.gen++
	e.h = h
	return Key{fd: int32(fd), gen: e.gen}, nil
}

// lookup returns the handler of a live registration, or nil.
func (t *table) lookup(fd int32, gen uint32) Handler {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if int(fd) >= len(t.entries) || fd < 0 {
		return nil
	}
	if e := t.entries[fd]; e.gen == gen {
		return e.h
	}
	return nil
}

// liveLocked reports whether k is a live registration; t.mu must be held.
func (t *table) liveLocked(k Key) error {
	switch {
	case t.closed:
		return ErrClosed
	case k.fd < 0 || int(k.fd) >= len(t.entries):
		return ErrStale
	case t.entries[k.fd].gen != k.gen || t.entries[k.fd].h == nil:
		return ErrStale
	}
	return nil
}

// remove forgets k and reports whether it was live.
func (t *table) remove(k Key) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if int(k.fd) >= len(t.entries) || t.entries[k.fd].gen != k.gen || t.entries[k.fd].h == nil {
		return false
	}
	t.entries[k.fd].h = nil
	return true
}

// close marks the table closed; it reports false if it already was.
func (t *table) close() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := t.closed
	t.closed = true
	return !was
}
