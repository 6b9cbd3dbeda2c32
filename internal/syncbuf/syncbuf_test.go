package syncbuf

import (
	"strings"
	"sync"
	"testing"
)

func TestBufferConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				b.Write([]byte("x"))
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if got := len(b.String()); got != 800 {
		t.Fatalf("kept %d bytes, want 800", got)
	}
}

func TestBufferMax(t *testing.T) {
	b := Buffer{Max: 10}
	for range 5 {
		if n, err := b.Write([]byte("abcd")); n != 4 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	// Writes stop once more than Max bytes are kept.
	if got := b.String(); got != strings.Repeat("abcd", 3) {
		t.Fatalf("kept %q", got)
	}
}
