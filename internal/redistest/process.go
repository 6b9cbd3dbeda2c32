package redistest

import (
	"fmt"
	"os/exec"
)

// process is one redis-server child; its reaper goroutine closes exited
// when the child exits.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func startProcess(bin, conf, dir string) (*process, error) {
	cmd := exec.Command(bin, conf)
	cmd.Dir = dir
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go p.reap()
	return p, nil
}

// reap waits for the child so it never lingers as a zombie.
func (p *process) reap() {
	_ = p.cmd.Wait()
	close(p.exited)
}

func (p *process) exitedNow() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the reaper; it is idempotent.
func (p *process) kill() {
	if !p.exitedNow() {
		_ = p.cmd.Process.Kill()
	}
	<-p.exited
}
