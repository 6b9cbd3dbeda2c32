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

// runClients opens n idle sessions through the proxy at addr, prints "ready"
// and holds them until stdin closes.
func runClients(addr string, n int) error {
	conns := make([]net.Conn, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 32 {
		wg.Add(1)
		go dialWorker(&wg, addr, conns, next, errs)
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	for _, c := range conns {
		c.Close()
	}
	return nil
}

// dialWorker opens the sessions whose indexes it receives.
func dialWorker(wg *sync.WaitGroup, addr string, conns []net.Conn, next <-chan int, errs chan<- error) {
	defer wg.Done()
	for i := range next {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		c, _, _, err := ws.Dial(ctx, fmt.Sprintf("ws://%s/idle/%d", addr, i))
		cancel()
		if err != nil {
			errs <- fmt.Errorf("session %d: %w", i, err)
			continue
		}
		conns[i] = c
	}
}
