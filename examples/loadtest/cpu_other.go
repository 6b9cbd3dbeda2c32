//go:build !unix

package main

import "time"

// selfCPU is not measured outside unix.
func selfCPU() time.Duration { return 0 }
