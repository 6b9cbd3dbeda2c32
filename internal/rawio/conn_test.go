package rawio

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pair returns a quiet client connection and the plain server end of one
// loopback TCP connection; both close when the test ends.
func pair(t *testing.T) (*Conn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	qc, err := Wrap(c.(*net.TCPConn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { qc.Close(); s.Close() })
	return qc, s.(*net.TCPConn)
}

func TestConnMovesEveryByteBothWays(t *testing.T) {
	qc, peer := pair(t)
	// Far more than the socket buffers hold, so Write must wait for room
	// and Read must wait for data many times.
	want := make([]byte, 8<<20)
	if _, err := rand.Read(want); err != nil {
		t.Fatal(err)
	}
	echoed := make(chan error, 1)
	go func() { _, err := io.Copy(peer, peer); echoed <- err }()

	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(qc, int64(len(want))))
		got <- b
	}()
	if n, err := qc.Write(want); err != nil || n != len(want) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(want))
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("read back %d bytes, not the %d written", len(b), len(want))
	}
	if err := qc.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if err := <-echoed; err != nil {
		t.Fatalf("peer's copy: %v", err)
	}
	peer.CloseWrite()
	if n, err := qc.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("Read after the peer's shutdown = %d, %v; want 0, io.EOF", n, err)
	}
}

func TestConnDeadlinesTimeOutTheWait(t *testing.T) {
	tests := []struct {
		name string
		op   func(*Conn) (int, error)
	}{
		{"read with nothing sent", func(c *Conn) (int, error) {
			c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			return c.Read(make([]byte, 16))
		}},
		{"write the peer never reads", func(c *Conn) (int, error) {
			c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
			return c.Write(make([]byte, 64<<20))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qc, _ := pair(t)
			start := time.Now()
			_, err := tt.op(qc)
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("error %v (%T): want a timeout", err, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("the timeout came after %v", d)
			}
		})
	}
}

func TestConnErrorsLikeAPlainConn(t *testing.T) {
	t.Run("closed", func(t *testing.T) {
		qc, _ := pair(t)
		qc.Close()
		if _, err := qc.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Read on a closed Conn: %v, want net.ErrClosed", err)
		}
		if _, err := qc.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Write on a closed Conn: %v, want net.ErrClosed", err)
		}
	})
	t.Run("reset by the peer", func(t *testing.T) {
		qc, peer := pair(t)
		peer.SetLinger(0) // close sends a reset
		peer.Close()
		_, err := qc.Read(make([]byte, 1))
		var se *os.SyscallError
		if !errors.Is(err, syscall.ECONNRESET) || !errors.As(err, &se) {
			t.Fatalf("Read after a reset: %v, want ECONNRESET as a syscall error", err)
		}
	})
}

func TestConnReadsWhileItWrites(t *testing.T) {
	qc, peer := pair(t)
	const rounds, size = 200, 64 << 10
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); io.Copy(peer, peer); peer.CloseWrite() }()
	go func() {
		defer wg.Done()
		msg := bytes.Repeat([]byte("w"), size)
		for range rounds {
			if _, err := qc.Write(msg); err != nil {
				t.Errorf("Write: %v", err)
				return
			}
		}
		qc.CloseWrite()
	}()
	n, err := io.Copy(io.Discard, qc)
	wg.Wait()
	if err != nil || n != rounds*size {
		t.Fatalf("read back %d bytes, %v; want %d", n, err, rounds*size)
	}
}

func TestConnAllocatesNothing(t *testing.T) {
	qc, peer := pair(t)
	go io.Copy(peer, peer)
	msg, buf := []byte("PUBLISH node:b payload\r\n"), make([]byte, 64)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := qc.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(qc, buf[:len(msg)]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("a write and a read allocate %.1f times, want 0", allocs)
	}
}
