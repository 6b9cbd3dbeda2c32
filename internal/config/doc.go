// Package config owns sidecast's configuration: the Config struct, whose
// `env`, `envDefault` and `help` tags are the single source of the
// environment variables, of --help (WriteHelp) and of the README's table;
// Load, which reads a map of the environment, applies the defaults and
// reports every bad value in one pass, each naming its variable (Error,
// ErrBadConfig: exit code 2) — parse errors and check errors together, and
// a BACKEND_URL the proxy cannot serve too; the start-up warnings (Warning:
// variables that look like sidecast's but are not, lookalike.go, and
// settings that start but cannot be right, warnings.go); and what is
// derived from the raw values (the parsed backend URL, the bus choice, the
// Redis options for fanout, the LOCAL_EVENTS matches, the trusted proxies,
// the affinity cookie, the listen addresses, the configured secrets that
// no log line may show).
//
// It is the only package that reads the environment; it reads it only
// through the map it is given, so tests pass their own. It starts no
// goroutine. It imports the core packages (fanout, sticky) for their
// configuration types and proxy for what the proxy accepts
// (proxy.CheckBackend), and nothing of the application.
package config
