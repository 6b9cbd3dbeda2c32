package fanout

// BackendReturned is told by the node that its backend accepts connections
// again after an outage. The mirrors that died with the backend, and those
// that could not be dialed meanwhile, are rebuilt the way a late node
// builds its own: every live peer is asked for a snapshot of its sessions.
// A snapshot for a mirror that is in step is ignored, so asking is safe.
func (c *Cluster) BackendReturned() {
	for _, p := range c.reg.Peers() {
		c.sendControl(p.ID, KindSnapshotRequest, nil, 0, nil)
	}
	c.cfg.Logger.Info("fanout: backend is back: asked every peer for snapshots to rebuild mirrors", "peers", len(c.reg.Peers()))
}
