//go:build linux

package redistest

import "syscall"

// sysProcAttr makes the kernel kill redis-server if the test process dies
// without cleaning up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
