package ops

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sidecast/sidecast/internal/version"
)

// newBuildInfo is sidecast_build_info, the usual constant gauge whose
// labels say which build runs, so dashboards can show it and join it
// to other series.
func newBuildInfo(v version.Info) prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "sidecast_build_info",
		Help: "Always 1; the labels name the running build: module version, commit and Go version.",
	}, []string{"version", "commit", "goversion"})
	g.WithLabelValues(v.Version, v.Commit, v.GoVersion).Set(1)
	return g
}
