package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// ClusterNode is one line of CLUSTER NODES as a node sees the cluster.
type ClusterNode struct {
	ID       string
	Addr     string // host:port
	Master   bool
	MasterID string // for a replica, its master's id
	Failed   bool   // flagged fail or fail?
	Slots    []string
}

// parseClusterNodes reads the reply of CLUSTER NODES.
func parseClusterNodes(reply string) ([]ClusterNode, error) {
	var out []ClusterNode
	for _, line := range strings.Split(strings.TrimSpace(reply), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			return nil, fmt.Errorf("short CLUSTER NODES line %q", line)
		}
		addr, _, _ := strings.Cut(f[1], "@")
		flags := "," + f[2] + ","
		n := ClusterNode{
			ID:     f[0],
			Addr:   addr,
			Master: strings.Contains(flags, ",master,"),
			Failed: strings.Contains(flags, ",fail,") || strings.Contains(flags, ",fail?,"),
			Slots:  f[8:],
		}
		if f[3] != "-" {
			n.MasterID = f[3]
		}
		out = append(out, n)
	}
	return out, nil
}

// Topology returns the cluster as node s sees it.
func (c *Cluster) Topology(ctx context.Context, s *Server) ([]ClusterNode, error) {
	reply, err := c.Client(s).ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("CLUSTER NODES on %s: %w", s.Addr(), err)
	}
	return parseClusterNodes(reply)
}

// live returns the nodes whose process runs.
func (c *Cluster) live() []*Server {
	var out []*Server
	for _, s := range c.nodes {
		if s.proc != nil && !s.proc.exitedNow() {
			out = append(out, s)
		}
	}
	return out
}

// Masters returns the running servers that are masters owning slots, as
// the first live node sees it.
func (c *Cluster) Masters(ctx context.Context) ([]*Server, error) {
	live := c.live()
	if len(live) == 0 {
		return nil, errors.New("no live node")
	}
	top, err := c.Topology(ctx, live[0])
	if err != nil {
		return nil, err
	}
	var out []*Server
	for _, n := range top {
		if s := c.Node(n.Addr); n.Master && !n.Failed && len(n.Slots) > 0 && s != nil {
			out = append(out, s)
		}
	}
	return out, nil
}

// MasterFor returns the live master that owns key's (or shard channel's) slot.
func (c *Cluster) MasterFor(ctx context.Context, key string) (*Server, error) {
	live := c.live()
	if len(live) == 0 {
		return nil, errors.New("no live node")
	}
	slot, err := c.Client(live[0]).ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	shards, err := c.Client(live[0]).ClusterShards(ctx).Result()
	if err != nil {
		return nil, err
	}
	for _, sh := range shards {
		for _, r := range sh.Slots {
			if r.Start > slot || slot > r.End {
				continue
			}
			for _, n := range sh.Nodes {
				if s := c.Node(net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10))); n.Role == "master" && n.Health != "fail" && s != nil {
					return s, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("no master for slot %d", slot)
}

// ReplicaOf returns a running replica of master.
func (c *Cluster) ReplicaOf(ctx context.Context, master *Server) (*Server, error) {
	top, err := c.Topology(ctx, master)
	if err != nil {
		return nil, err
	}
	var id string
	for _, n := range top {
		if n.Addr == master.Addr() {
			id = n.ID
		}
	}
	for _, n := range top {
		if s := c.Node(n.Addr); n.MasterID == id && id != "" && s != nil && !n.Failed {
			return s, nil
		}
	}
	return nil, fmt.Errorf("no replica of %s", master.Addr())
}

// WaitHealthy polls every live node until each reports cluster_state:ok
// and sees every other live node as healthy, and every live replica's
// link to its master is up.
func (c *Cluster) WaitHealthy(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last error
	for {
		if last = c.healthy(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("after %v: %w", timeout, last)
		case <-time.After(50 * time.Millisecond): // polling: CLUSTER INFO has no event to wait on
		}
	}
}

// healthy checks the cluster once from every live node.
func (c *Cluster) healthy(ctx context.Context) error {
	live := c.live()
	for _, s := range live {
		info, err := c.Client(s).ClusterInfo(ctx).Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return fmt.Errorf("%s: cluster_state not ok", s.Addr())
		}
		top, err := c.Topology(ctx, s)
		if err != nil {
			return err
		}
		if err := c.agrees(ctx, s, top, live); err != nil {
			return err
		}
	}
	return nil
}

// agrees checks that s knows every live node and, when s is a replica,
// that its replication link is up.
func (c *Cluster) agrees(ctx context.Context, s *Server, top []ClusterNode, live []*Server) error {
	known := map[string]ClusterNode{}
	for _, n := range top {
		known[n.Addr] = n
	}
	for _, o := range live {
		n, ok := known[o.Addr()]
		if !ok || n.Failed {
			return fmt.Errorf("%s does not see %s as healthy", s.Addr(), o.Addr())
		}
	}
	if me := known[s.Addr()]; !me.Master {
		repl, err := c.Client(s).Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(repl, "master_link_status:up") {
			return fmt.Errorf("replica %s: link to master not up", s.Addr())
		}
	}
	return nil
}

// Failover kills master (SIGKILL) and promotes one of its replicas with
// CLUSTER FAILOVER TAKEOVER, which needs no agreement from the dead
// master. It returns the new master once it owns the slots as the other
// masters see it.
func (c *Cluster) Failover(ctx context.Context, master *Server) (*Server, error) {
	replica, err := c.ReplicaOf(ctx, master)
	if err != nil {
		return nil, err
	}
	master.Kill()
	if err := c.Client(replica).Do(ctx, "cluster", "failover", "takeover").Err(); err != nil {
		return nil, fmt.Errorf("CLUSTER FAILOVER TAKEOVER on %s: %w", replica.Addr(), err)
	}
	for {
		if ok, err := c.isMaster(ctx, replica); err == nil && ok {
			return replica, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("replica %s not promoted: %w", replica.Addr(), ctx.Err())
		case <-time.After(20 * time.Millisecond): // polling the role; no event to wait on
		}
	}
}

// isMaster reports whether every other live node sees s as a master with slots.
func (c *Cluster) isMaster(ctx context.Context, s *Server) (bool, error) {
	for _, o := range c.live() {
		top, err := c.Topology(ctx, o)
		if err != nil {
			return false, err
		}
		for _, n := range top {
			if n.Addr == s.Addr() && (!n.Master || len(n.Slots) == 0) {
				return false, nil
			}
		}
	}
	return true, nil
}

// MoveSlot reassigns the slot of key (or shard channel) from its master to
// master to, as a resharding does: IMPORTING on the target, MIGRATING on
// the source, then SETSLOT NODE on every master. The slot must hold no
// keys (a shard channel's slot usually holds none). Redis then ends the
// source's shard-channel subscriptions of that slot with SUNSUBSCRIBE.
func (c *Cluster) MoveSlot(ctx context.Context, key string, to *Server) error {
	from, err := c.MasterFor(ctx, key)
	if err != nil {
		return err
	}
	if from == to {
		return fmt.Errorf("slot of %q is already on %s", key, to.Addr())
	}
	slot, err := c.Client(from).ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return err
	}
	if n, err := c.Client(from).ClusterCountKeysInSlot(ctx, int(slot)).Result(); err != nil || n != 0 {
		return fmt.Errorf("slot %d holds %d keys (%v): not supported", slot, n, err)
	}
	fromID, err := c.Client(from).ClusterMyID(ctx).Result()
	if err != nil {
		return err
	}
	toID, err := c.Client(to).ClusterMyID(ctx).Result()
	if err != nil {
		return err
	}
	steps := []struct {
		on   *Server
		args []any
	}{
		{to, []any{"cluster", "setslot", slot, "importing", fromID}},
		{from, []any{"cluster", "setslot", slot, "migrating", toID}},
		{to, []any{"cluster", "setslot", slot, "node", toID}},
		{from, []any{"cluster", "setslot", slot, "node", toID}},
	}
	for _, st := range steps {
		if err := c.Client(st.on).Do(ctx, st.args...).Err(); err != nil {
			return fmt.Errorf("%v on %s: %w", st.args, st.on.Addr(), err)
		}
	}
	masters, err := c.Masters(ctx)
	if err != nil {
		return err
	}
	for _, m := range masters {
		if m != from && m != to {
			if err := c.Client(m).Do(ctx, "cluster", "setslot", slot, "node", toID).Err(); err != nil {
				return fmt.Errorf("SETSLOT NODE on %s: %w", m.Addr(), err)
			}
		}
	}
	return nil
}
