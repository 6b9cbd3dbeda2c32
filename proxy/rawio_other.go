//go:build !linux

package proxy

import "golang.org/x/sys/unix"

func readNoBlock(fd int, p []byte) (int, error)  { return unix.Read(fd, p) }
func writeNoBlock(fd int, p []byte) (int, error) { return unix.Write(fd, p) }
