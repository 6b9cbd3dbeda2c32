package deploytest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

const dashboardFile = chartDir + "/dashboards/sidecast.json"

// notYetExported are metrics the dashboard and the alerts name before
// sidecast exports them, each with the reason. Remove an entry when the
// metric lands; the test logs when an entry is no longer needed.
var notYetExported = map[string]string{
	"sidecast_peer_config_mismatch": "peers with other MIRROR_EVENTS/LOCAL_EVENTS/EVENT_FIELD: the peer-settings check is being built alongside this change",
	"sidecast_build_info":           "the version command and its metric are being built alongside this change (internal/version holds the data)",
}

// grafanaPanel is the part of a Grafana panel the test reads.
type grafanaPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	GridPos struct{ X, Y, W, H int } `json:"gridPos"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

type grafanaDashboard struct {
	UID        string         `json:"uid"`
	Title      string         `json:"title"`
	Panels     []grafanaPanel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

var labelValuesCall = regexp.MustCompile(`^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\)$`)

// dashboardQueries parses the dashboard and returns its queries by where
// they sit ("panel 3 \"title\" A", "variable pod"). It checks what Grafana
// needs to load the panels: unique ids, a data source, a grid inside 24
// columns, a refId per query.
func dashboardQueries(t *testing.T) map[string]string {
	t.Helper()
	var d grafanaDashboard
	dec := json.NewDecoder(strings.NewReader(readRepoFile(t, dashboardFile)))
	dec.DisallowUnknownFields()
	if err := json.Unmarshal([]byte(readRepoFile(t, dashboardFile)), &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if d.UID == "" || d.Title == "" {
		t.Errorf("dashboard uid %q title %q: both are needed for provisioning", d.UID, d.Title)
	}
	queries := map[string]string{}
	ids := map[int]bool{}
	var walk func([]grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("panel id %d used twice", p.ID)
			}
			ids[p.ID] = true
			if p.GridPos.W <= 0 || p.GridPos.X+p.GridPos.W > 24 || p.GridPos.H <= 0 {
				t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, p.GridPos)
			}
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q does not use the dashboard's data source variable", p.Title)
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, q := range p.Targets {
				if q.RefID == "" || q.Expr == "" {
					t.Errorf("panel %q: query %+v lacks refId or expr", p.Title, q)
				}
				queries[fmt.Sprintf("panel %d %q %s", p.ID, p.Title, q.RefID)] = q.Expr
			}
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Fatalf("variable %s: query: %v", v.Name, err)
		}
		expr := q.Query
		if m := labelValuesCall.FindStringSubmatch(expr); m != nil {
			expr = m[1]
		}
		queries["variable "+v.Name] = expr
	}
	if len(queries) == 0 {
		t.Fatal("the dashboard has no queries")
	}
	return queries
}

// alertQueries renders the chart with the PrometheusRule on and returns
// each alert's expression.
func alertQueries(t *testing.T) map[string]string {
	t.Helper()
	r := renderChart(t, "prometheusRule.enabled=true")
	var spec struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	r.one(t, "PrometheusRule", &spec)
	out := map[string]string{}
	for _, g := range spec.Groups {
		for _, a := range g.Rules {
			out["alert "+a.Alert] = a.Expr
		}
	}
	return out
}

// scrapedNames runs GET /metrics and returns every metric family it
// exposes, with the _bucket, _sum and _count series of histograms and
// summaries.
func scrapedNames(ctx context.Context, url string) (map[string]bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			f := strings.Fields(rest)
			if len(f) == 2 {
				names[f[0]] = true
				if f[1] == "histogram" || f[1] == "summary" {
					for _, s := range []string{"_bucket", "_sum", "_count"} {
						names[f[0]+s] = true
					}
				}
			}
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names, sc.Err()
}

// TestDashboardAndAlertsNameExportedMetrics: every metric that a dashboard
// panel, a dashboard variable or an alert expression selects is exported by
// a running sidecast node (on a real redis-server, so the Redis round-trip
// histogram has samples), apart from the listed notYetExported.
func TestDashboardAndAlertsNameExportedMetrics(t *testing.T) {
	queries := dashboardQueries(t)
	for k, v := range alertQueries(t) {
		queries[k] = v
	}
	for _, name := range []string{"SidecastRedisDegraded", "SidecastBusLosses", "SidecastPeerMissing", "SidecastPeerConfigMismatch"} {
		if _, ok := queries["alert "+name]; !ok {
			t.Errorf("the PrometheusRule lacks the alert %s", name)
		}
	}
	wanted := map[string][]string{} // metric → where it is used
	for where, expr := range queries {
		names, ok := metricNames(expr)
		if !ok {
			t.Errorf("%s: brackets do not balance in %q", where, expr)
			continue
		}
		if len(names) == 0 {
			t.Errorf("%s: %q selects no metric", where, expr)
		}
		for _, n := range names {
			wanted[n] = append(wanted[n], where)
		}
	}
	for n := range notYetExported {
		if _, ok := wanted[n]; !ok {
			t.Errorf("notYetExported lists %s, which no query uses: remove the entry", n)
		}
	}

	url := startEchoingPair(t)
	var missing []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		names, err := scrapedNames(ctx, url)
		cancel()
		missing = missing[:0]
		for n := range wanted {
			if _, later := notYetExported[n]; !later && (err != nil || !names[n]) {
				missing = append(missing, n)
			}
		}
		if err == nil {
			for n, why := range notYetExported {
				if names[n] {
					t.Logf("%s is exported now: remove it from notYetExported (%s)", n, why)
				}
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	sort.Strings(missing)
	for _, n := range missing {
		uses := wanted[n]
		slices.Sort(uses)
		t.Errorf("%s is not exported by a running node; used by %s", n, strings.Join(uses, "; "))
	}
	t.Logf("%d queries name %d metrics; not yet exported and excused: %d", len(queries), len(wanted), len(notYetExported))
}
