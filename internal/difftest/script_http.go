package difftest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// httpClient is the name under which HTTP answers join the streams.
const httpClient = "http"

// Request is one plain HTTP POST to a backend.
type Request struct {
	Node int
	Path string // the prefix is not applied: build it with P
	Body any    // JSON-encoded; a string is sent as is
}

// Post sends the requests at once (each from its own goroutine), waits for
// every answer, fails on a status other than 2xx, and records each answer's
// status and JSON body in the "http" stream in request order.
func (s *Script) Post(reqs ...Request) {
	if s.err != nil {
		return
	}
	answers := make([]Msg, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Add(1)
		go s.postOne(&wg, r, &answers[i], &errs[i])
	}
	wg.Wait()
	for i := range reqs {
		s.step(errs[i])
		if errs[i] == nil {
			s.box.add(answers[i])
		}
	}
}

// postOne is one request of Post; Post waits for it.
func (s *Script) postOne(wg *sync.WaitGroup, r Request, out *Msg, errp *error) {
	defer wg.Done()
	ctx, cancel := s.waitCtx()
	defer cancel()
	var body []byte
	if str, ok := r.Body.(string); ok {
		body = []byte(str)
	} else {
		body, _ = json.Marshal(r.Body)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.w.BackendURL(r.Node)+r.Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		*errp = fmt.Errorf("POST %s on backend %d: %w", r.Path, r.Node, err)
		return
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		*errp = fmt.Errorf("POST %s on backend %d: status %d: %s", r.Path, r.Node, resp.StatusCode, data)
		return
	}
	args := []json.RawMessage{mustJSON(resp.StatusCode)}
	if json.Valid(data) && len(data) > 0 {
		args = append(args, append(json.RawMessage(nil), data...))
	}
	*out = Msg{Type: "http", Name: httpClient, Event: "POST " + strings.ReplaceAll(r.Path, s.prefix, ""), Args: args}
}

// backendStats is the example servers' GET /stats answer.
type backendStats struct {
	Online      []string `json:"online"`
	Disconnects []struct {
		UserID string `json:"userId"`
		Nsp    string `json:"nsp"`
		Reason string `json:"reason"`
	} `json:"disconnects"`
}

func (s *Script) stats(ctx context.Context, k int) (backendStats, error) {
	var st backendStats
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.w.BackendURL(k)+"/stats", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// pollStats polls backend k's /stats until cond holds or the wait ends,
// and returns how long it took.
func (s *Script) pollStats(k int, what string, cond func(backendStats) bool, limit time.Duration) time.Duration {
	if s.err != nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(s.ctx, limit)
	defer cancel()
	start := time.Now()
	var last backendStats
	for {
		st, err := s.stats(ctx, k)
		if err == nil {
			if cond(st) {
				return time.Since(start)
			}
			last = st
		}
		select {
		case <-ctx.Done():
			s.step(fmt.Errorf("%w: backend %d: %s (last /stats: online %v)", ErrTimeout, k, what, s.strip(last.Online)))
			return time.Since(start)
		case <-time.After(20 * time.Millisecond): // polling the backend's state
		}
	}
}

// strip keeps this run's users, without the prefix.
func (s *Script) strip(users []string) []string {
	var out []string
	for _, u := range users {
		if rest, ok := strings.CutPrefix(u, s.prefix); ok && !strings.HasPrefix(rest, markerUser) {
			out = append(out, rest)
		}
	}
	slices.Sort(out)
	return out
}

// ExpectOnline waits (up to the per-condition wait, or limit when given)
// until backend k's online list holds exactly users of this run, and
// returns how long that took.
func (s *Script) ExpectOnline(k int, users []string, limit ...time.Duration) time.Duration {
	want := slices.Clone(users)
	slices.Sort(want)
	lim := s.wait
	if len(limit) > 0 {
		lim = limit[0]
	}
	return s.pollStats(k, fmt.Sprintf("online users %v", want), func(st backendStats) bool {
		return slices.Equal(s.strip(st.Online), want)
	}, lim)
}

// expectOnlineIncludes waits until backend k's online list holds users
// (this run's, unprefixed), whoever else is online.
func (s *Script) expectOnlineIncludes(k int, users []string) {
	s.pollStats(k, fmt.Sprintf("online users to include %v", users), func(st backendStats) bool {
		online := map[string]bool{}
		for _, u := range st.Online {
			online[u] = true
		}
		for _, u := range users {
			if !online[s.P(u)] {
				return false
			}
		}
		return true
	}, s.wait)
}

// ExpectServerDisconnect waits until backend k reports that user left
// namespace nsp for reason.
func (s *Script) ExpectServerDisconnect(k int, user, nsp, reason string) {
	s.pollStats(k, fmt.Sprintf("%s leaving %s (%s)", user, nsp, reason), func(st backendStats) bool {
		for _, d := range st.Disconnects {
			if d.UserID == s.P(user) && d.Nsp == nsp && d.Reason == reason {
				return true
			}
		}
		return false
	}, s.wait)
}
