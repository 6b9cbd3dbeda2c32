package proxy

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

type echoedRequest struct {
	Method  string
	Path    string
	Body    string
	Headers http.Header
}

func TestReverseProxiedHTTP(t *testing.T) {
	b := newEchoBackend(t)
	_, base := newProxy(t, b.url(), nil)

	t.Run("GET", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/items?id=3", nil)
		req.Header.Set("X-Sidecast-Mirror", "1")
		req.Header.Set("X-Forwarded-For", "198.51.100.1")
		got := roundTrip(t, req)
		if got.Method != "GET" || got.Path != "/api/items?id=3" {
			t.Fatalf("backend saw %s %s", got.Method, got.Path)
		}
		if xff := got.Headers.Get("X-Forwarded-For"); xff != "198.51.100.1, 127.0.0.1" {
			t.Fatalf("X-Forwarded-For %q", xff)
		}
		if got.Headers.Get("X-Sidecast-Mirror") != "" {
			t.Fatal("client-supplied X-Sidecast-Mirror reached the backend")
		}
	})

	t.Run("streamed POST", func(t *testing.T) {
		pr, pw := io.Pipe()
		go writeChunks(pw, 50)
		req, _ := http.NewRequest(http.MethodPost, base+"/upload", pr) // unknown length: chunked
		got := roundTrip(t, req)
		want := strings.Repeat("chunk;", 50)
		if got.Method != "POST" || got.Body != want {
			t.Fatalf("backend saw %s with %d body bytes, want %d", got.Method, len(got.Body), len(want))
		}
	})
}

// writeChunks is the streaming body's writer goroutine; it ends when done.
func writeChunks(pw *io.PipeWriter, n int) {
	for range n {
		if _, err := fmt.Fprint(pw, "chunk;"); err != nil {
			return
		}
	}
	pw.Close()
}

func roundTrip(t *testing.T, req *http.Request) echoedRequest {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var got echoedRequest
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	return got
}
