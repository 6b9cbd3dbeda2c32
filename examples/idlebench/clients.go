package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gobwas/ws"
)

// holdClients opens n WebSocket sessions to target, prints "ready n" and
// holds them, without a goroutine each, until its standard input closes.
func holdClients(target string, n int) error {
	conns := make([]net.Conn, n)
	errs := make(chan error, 1)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conn, br, _, err := ws.Dial(ctx, fmt.Sprintf("ws://%s/idle?i=%d", target, i))
			if err != nil {
				select {
				case errs <- fmt.Errorf("dial session %d: %w", i, err):
				default:
				}
				return
			}
			if br != nil {
				ws.PutReader(br)
			}
			conns[i] = conn
		}(i)
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Printf("ready %d\n", n)
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for _, c := range conns {
		c.Close()
	}
	return nil
}
