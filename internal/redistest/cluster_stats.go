package redistest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// NodeStats are one node's counters: commands by name (INFO commandstats,
// lower case, e.g. "spublish") and network bytes (INFO stats).
type NodeStats struct {
	Addr   string
	Master bool
	Calls  map[string]int64
	// Rejected counts calls refused by ACL or a wrong-slot/argument check
	// (INFO commandstats rejected_calls), by command.
	Rejected map[string]int64
	// BusSent counts cluster bus messages this node sent, by type
	// (CLUSTER INFO cluster_stats_messages_<type>_sent: "publishshard" is
	// a sharded message copied to the shard's replicas, "publish" a plain
	// one copied to every node). CONFIG RESETSTAT leaves them alone:
	// compare two readings.
	BusSent map[string]int64
	NetIn   int64 // total_net_input_bytes
	NetOut  int64 // total_net_output_bytes
}

// Stats reads every live node's counters.
func (c *Cluster) Stats(ctx context.Context) ([]NodeStats, error) {
	masters, err := c.Masters(ctx)
	if err != nil {
		return nil, err
	}
	isMaster := map[string]bool{}
	for _, m := range masters {
		isMaster[m.Addr()] = true
	}
	var out []NodeStats
	for _, s := range c.live() {
		st := NodeStats{Addr: s.Addr(), Master: isMaster[s.Addr()], Calls: map[string]int64{}, Rejected: map[string]int64{}}
		// Bytes first, so the replies of this reading are not in them.
		stats, err := c.Info(ctx, s, "stats")
		if err != nil {
			return nil, err
		}
		st.NetIn, st.NetOut = infoInt(stats, "total_net_input_bytes"), infoInt(stats, "total_net_output_bytes")
		cmds, err := c.Info(ctx, s, "commandstats")
		if err != nil {
			return nil, err
		}
		parseCommandStats(cmds, st.Calls, st.Rejected)
		ci, err := c.Client(s).ClusterInfo(ctx).Result()
		if err != nil {
			return nil, err
		}
		st.BusSent = parseBusSent(ci)
		out = append(out, st)
	}
	return out, nil
}

// ResetStats zeroes every live node's counters (CONFIG RESETSTAT).
func (c *Cluster) ResetStats(ctx context.Context) error {
	for _, s := range c.live() {
		if err := c.Client(s).ConfigResetStat(ctx).Err(); err != nil {
			return fmt.Errorf("CONFIG RESETSTAT on %s: %w", s.Addr(), err)
		}
	}
	return nil
}

// parseCommandStats reads lines like
// "cmdstat_spublish:calls=12,usec=30,...,rejected_calls=0" into calls and
// rejected by command name; subcommands keep their "cluster|slots" form.
func parseCommandStats(info string, calls, rejected map[string]int64) {
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		cmd := strings.TrimPrefix(name, "cmdstat_")
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "calls":
				calls[cmd] = n
			case "rejected_calls":
				if n > 0 {
					rejected[cmd] = n
				}
			}
		}
	}
}

// infoInt returns an integer field of an INFO reply, 0 when absent.
func infoInt(info, field string) int64 {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// parseBusSent reads "cluster_stats_messages_<type>_sent:<n>" lines.
func parseBusSent(info string) map[string]int64 {
	out := map[string]int64{}
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		if typ, ok := strings.CutPrefix(k, "cluster_stats_messages_"); ok {
			if typ, ok := strings.CutSuffix(typ, "_sent"); ok && typ != "" {
				n, _ := strconv.ParseInt(v, 10, 64)
				out[typ] = n
			}
		}
	}
	return out
}

// TotalCalls is every live node's command counts added up, by command.
func (c *Cluster) TotalCalls(ctx context.Context) (map[string]int64, error) {
	stats, err := c.Stats(ctx)
	if err != nil {
		return nil, err
	}
	total := map[string]int64{}
	for _, st := range stats {
		for cmd, n := range st.Calls {
			total[cmd] += n
		}
	}
	return total, nil
}
