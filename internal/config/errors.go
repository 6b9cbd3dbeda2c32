package config

import (
	"errors"
	"fmt"
)

// ErrBadConfig marks every configuration error; the command line turns it
// into exit code 2.
var ErrBadConfig = errors.New("invalid configuration")

// Error names the variable whose value is wrong and what is wrong with it.
// Problem never contains a secret.
type Error struct {
	Var     string
	Problem string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Var, e.Problem) }

// Unwrap lets errors.Is(err, ErrBadConfig) find every Error.
func (e *Error) Unwrap() error { return ErrBadConfig }

// Errorf is the configuration error of variable name; packages that
// validate a setting on the configuration's behalf (the proxy refusing a
// value) report through it too, so every such error exits 2.
func Errorf(name, format string, args ...any) error {
	return &Error{Var: name, Problem: fmt.Sprintf(format, args...)}
}
