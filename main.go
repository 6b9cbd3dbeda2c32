package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/internal/demo"
	"github.com/sidecast/sidecast/internal/node"
	"github.com/sidecast/sidecast/internal/ops"
	"github.com/sidecast/sidecast/internal/version"
)

func main() {
	os.Exit(run(os.Args[1:], env2map(os.Environ()), os.Stdout, os.Stderr))
}

// Commands of the command line.
const (
	cmdServe   = "serve"
	cmdDemo    = "demo"
	cmdHelp    = "help"
	cmdCheck   = "healthcheck"
	cmdVersion = "version"
)

// run is main without the process around it: it returns the exit code
// (docs/design.md, Exit codes: 0 clean, 2 configuration, 1 anything else).
func run(args []string, environ map[string]string, stdout, stderr io.Writer) int {
	cmd, err := parseCommand(args)
	if err != nil {
		fmt.Fprintf(stderr, "sidecast: %v\nRun 'sidecast --help' for usage.\n", err)
		return 2
	}
	switch cmd {
	case cmdHelp:
		config.WriteHelp(stdout)
		return 0
	case cmdVersion:
		fmt.Fprintln(stdout, version.Get())
		return 0
	}
	cfg, err := config.Load(environ)
	if err != nil {
		reportConfigError(stderr, err)
		return 2
	}
	if cmd == cmdDemo {
		demo.Defaults(cfg, environ)
	}
	logger := ops.NewLogger(cfg, stderr)
	if cmd != cmdCheck {
		logBuild(logger, version.Get())
		logWarnings(logger, cfg.Warnings)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case cmdDemo:
		err = demo.Run(ctx, cfg, logger, stdout, stderr)
	case cmdCheck:
		err = ops.RunHealthcheck(ctx, cfg, stdout)
	default:
		err = node.Serve(ctx, cfg, logger)
	}
	return exitCode(err, logger, stderr)
}

func parseCommand(args []string) (string, error) {
	if len(args) == 0 {
		return cmdServe, nil
	}
	if len(args) > 1 {
		return "", fmt.Errorf("%w: unexpected arguments %q", errUsage, args[1:])
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return cmdHelp, nil
	case "-version", "--version", "version":
		return cmdVersion, nil
	case cmdDemo, cmdCheck:
		return args[0], nil
	}
	if strings.HasPrefix(args[0], "-") {
		return "", fmt.Errorf("%w: unknown option %q", errUsage, args[0])
	}
	return "", fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

// logBuild says which build is starting, so a log shows what ran.
func logBuild(logger *slog.Logger, v version.Info) {
	logger.Info("sidecast "+v.Version, "commit", v.Commit, "commit_time", v.CommitTime, "go", v.GoVersion, "modified", v.Modified)
}

// logWarnings logs each setting that starts but looks wrong.
func logWarnings(logger *slog.Logger, warnings []config.Warning) {
	for _, w := range warnings {
		logger.Warn("configuration: "+w.Message, "variable", w.Var)
	}
}

// reportConfigError prints one line per wrong variable.
func reportConfigError(w io.Writer, err error) {
	fmt.Fprintln(w, "sidecast: configuration error (see sidecast --help):")
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// exitCode maps run's error to the exit code. A configuration error found
// only while starting (a part refusing a value) is reported in the same
// block as Load's.
func exitCode(err error, logger *slog.Logger, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, config.ErrBadConfig):
		reportConfigError(stderr, err)
		return 2
	}
	logger.Error("sidecast stopped", "err", err)
	return 1
}

// errUsage marks a bad command line (an unknown argument); exit code 2.
var errUsage = errors.New("usage")

// env2map turns os.Environ into the map config.Load reads.
func env2map(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}
