package siotest

import "errors"

// ErrNoRepoRoot is returned when no go.mod is found above the working directory.
var ErrNoRepoRoot = errors.New("siotest: go.mod not found above the working directory")
