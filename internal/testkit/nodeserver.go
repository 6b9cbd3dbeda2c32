package testkit

import (
	"fmt"
	"strconv"
	"time"
)

// nodeServerStart bounds how long a Node.js server may take to answer its
// health path; generous for a loaded two-core machine.
const nodeServerStart = 15 * time.Second

// NodeServer is a running `node server.js` of one of the repository's
// Node.js folders (an example backend or a test peer server), on a free
// loopback port.
type NodeServer struct {
	URL  string // http://127.0.0.1:PORT
	Port int

	proc *Process
}

// StartNodeServer starts server.js in the repository folder rel (whose
// node_modules must hold module) with PORT and HOST=127.0.0.1 and the extra
// environment env, and waits until GET /health answers 200. The caller
// owns it and must Close it.
func StartNodeServer(rel, module string, env ...string) (*NodeServer, error) {
	port, err := Port()
	if err != nil {
		return nil, err
	}
	return StartNodeServerOn(rel, module, port, env...)
}

// StartNodeServerOn is StartNodeServer on a given port: a server started
// again where the one before it listened (see Kill).
func StartNodeServerOn(rel, module string, port int, env ...string) (*NodeServer, error) {
	dir, err := NodeDir(rel, module)
	if err != nil {
		return nil, err
	}
	s := &NodeServer{URL: "http://127.0.0.1:" + strconv.Itoa(port), Port: port}
	s.proc, err = StartProcess(ProcessConfig{
		Path: "node", Args: []string{"server.js"}, Dir: dir, Merged: true, MaxOutput: 1 << 20,
		Env: append([]string{"PORT=" + strconv.Itoa(port), "HOST=127.0.0.1"}, env...),
	})
	if err != nil {
		return nil, err
	}
	if err := WaitHTTP(s.URL+"/health", nodeServerStart, s.proc.Exited()); err != nil {
		s.Close()
		return nil, fmt.Errorf("testkit: %s did not come up: %w\n%s", rel, err, s.Output())
	}
	return s, nil
}

// Output is what the server printed, for failure messages.
func (s *NodeServer) Output() string { return s.proc.Stdout.String() }

// Exited is closed once the server process has ended.
func (s *NodeServer) Exited() <-chan struct{} { return s.proc.Exited() }

// Close stops the server (SIGTERM, then SIGKILL) and waits; idempotent.
func (s *NodeServer) Close() { s.proc.Stop() }

// Kill ends the server at once, as a crash would, and waits.
func (s *NodeServer) Kill() { s.proc.Kill() }
