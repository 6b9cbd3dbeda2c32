package netpoll

import "sync"

// table maps a descriptor to its live registration. Generations make keys of
// closed registrations stale even when the kernel reuses the fd. Each
// registration is its own object, so a worker still finishing a removed one
// never touches the registration that reused its descriptor.
type table[R any] struct {
	mu      sync.RWMutex
	entries []slot[R]
	closed  bool
}

type slot[R any] struct {
	r   *R
	gen uint32
}

// add records r for fd and returns its key.
func (t *table[R]) add(fd int, r *R) (Key, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return Key{}, ErrClosed
	}
	if fd >= len(t.entries) {
		grown := make([]slot[R], max(fd+1, 2*len(t.entries), 64))
		copy(grown, t.entries)
		t.entries = grown
	}
	e := &t.entries[fd]
	e.gen++
	e.r = r
	return Key{fd: int32(fd), gen: e.gen}, nil
}

// lookup returns the live registration of fd with generation gen, or nil.
func (t *table[R]) lookup(fd int32, gen uint32) *R {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if fd < 0 || int(fd) >= len(t.entries) {
		return nil
	}
	if e := t.entries[fd]; e.gen == gen {
		return e.r
	}
	return nil
}

// get returns the live registration of k.
func (t *table[R]) get(k Key) (*R, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	switch {
	case t.closed:
		return nil, ErrClosed
	case k.fd < 0 || int(k.fd) >= len(t.entries):
		return nil, ErrStale
	}
	if e := t.entries[k.fd]; e.gen == k.gen && e.r != nil {
		return e.r, nil
	}
	return nil, ErrStale
}

// remove forgets k and returns its registration, or nil if it was not live.
func (t *table[R]) remove(k Key) *R {
	t.mu.Lock()
	defer t.mu.Unlock()
	if k.fd < 0 || int(k.fd) >= len(t.entries) {
		return nil
	}
	e := &t.entries[k.fd]
	if e.gen != k.gen || e.r == nil {
		return nil
	}
	r := e.r
	e.r = nil
	return r
}

// close marks the table closed and hands over the registrations still live.
func (t *table[R]) close() []*R {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	var live []*R
	for i := range t.entries {
		if r := t.entries[i].r; r != nil {
			live = append(live, r)
			t.entries[i].r = nil
		}
	}
	return live
}
