//go:build !linux

package redistest

import "syscall"

// sysProcAttr: without Pdeathsig, t.Cleanup alone stops the server.
func sysProcAttr() *syscall.SysProcAttr { return nil }
