package fanout

// crash stops the registry's loop the way a killed process would: no
// record deletion, no departure announcement.
func (r *Registry) crash() {
	r.closeOnce.Do(func() {
		close(r.done)
		r.startOnce.Do(func() { close(r.stopped) })
		<-r.stopped
	})
}

// heldOutFrames counts the relayed frames held for this node's sessions.
func (c *Cluster) heldOutFrames() int {
	n := 0
	for _, h := range c.homeList() {
		h.mu.Lock()
		n += len(h.heldOut)
		h.mu.Unlock()
	}
	return n
}

// awaiting reports whether some session of this node awaits its home
// backend's answer.
func (c *Cluster) awaiting() bool {
	for _, h := range c.homeList() {
		h.mu.Lock()
		on := h.await.on
		h.mu.Unlock()
		if on {
			return true
		}
	}
	return false
}

// openBarriers counts this node's sessions with an open barrier.
func (c *Cluster) openBarriers() int {
	n := 0
	for _, h := range c.homeList() {
		h.mu.Lock()
		if h.waiting != nil {
			n++
		}
		h.mu.Unlock()
	}
	return n
}
