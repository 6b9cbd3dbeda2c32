package main

import (
	"errors"
	"fmt"
)

// errBadConfig marks every configuration error; run turns it into exit code 2.
var errBadConfig = errors.New("invalid configuration")

// errUsage marks a bad command line (an unknown argument); also exit code 2.
var errUsage = errors.New("usage")

// ConfigError names the variable whose value is wrong and what is wrong
// with it. Problem never contains a secret.
type ConfigError struct {
	Var     string
	Problem string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("%s: %s", e.Var, e.Problem) }

// Unwrap lets errors.Is(err, errBadConfig) find every ConfigError.
func (e *ConfigError) Unwrap() error { return errBadConfig }

func configErr(name, format string, args ...any) error {
	return &ConfigError{Var: name, Problem: fmt.Sprintf(format, args...)}
}

// errUnhealthy: `sidecast healthcheck` got an answer other than 200.
var errUnhealthy = errors.New("unhealthy")

// errDrainTimeout: DRAIN_TIMEOUT passed with client sessions still open;
// the process exits 1.
var errDrainTimeout = errors.New("drain timed out")
