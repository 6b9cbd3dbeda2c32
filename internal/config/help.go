package config

import (
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Setting is one environment variable as its struct tags describe it.
type Setting struct {
	Name, Default, Help string
}

// Settings lists the Config variables in declaration order; --help and the
// README table are both generated from it, so neither can drift.
func Settings() []Setting {
	t := reflect.TypeOf(Config{})
	var out []Setting
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		if name == "" {
			continue
		}
		out = append(out, Setting{Name: name, Default: f.Tag.Get("envDefault"), Help: f.Tag.Get("help")})
	}
	return out
}

const usage = `sidecast — a sidecar proxy that lets an unmodified single-node chat server
(Socket.IO v4 or plain WebSocket) run on many nodes, through Redis.

Usage:
  sidecast              run a node; configured only by the environment below
  sidecast demo         run the local demo: two chat backends, each behind its
                        own sidecast node, joined in one process (through Redis
                        when REDIS_URL or REDIS_HOST is set); open the page it
                        prints
  sidecast healthcheck  GET http://127.0.0.1:SERVER_PORT/HEALTH_PATH (at
                        SERVER_ADDR when that is one address); exit 0 on 200,
                        else 1
  sidecast version      print the version, commit, commit time and Go version
                        (also --version)
  sidecast --help       print this help (also -h, help)

Exit codes: 0 after a clean shutdown, 2 for a configuration error, 1 otherwise.

Environment (default in brackets):
`

// WriteHelp prints the usage and every variable with its default and meaning.
func WriteHelp(w io.Writer) {
	var b strings.Builder
	b.WriteString(usage)
	for _, s := range Settings() {
		def := s.Default
		if def == "" {
			def = "unset"
		}
		fmt.Fprintf(&b, "  %s [%s]\n", s.Name, def)
		for _, line := range wrap(s.Help, 72) {
			fmt.Fprintf(&b, "      %s\n", line)
		}
	}
	_, _ = io.WriteString(w, b.String())
}

// writeMarkdownTable prints the README's configuration table.
func writeMarkdownTable(w io.Writer) {
	var b strings.Builder
	b.WriteString("| Variable | Default | Meaning |\n|---|---|---|\n")
	for _, s := range Settings() {
		def := "—"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", s.Name, def, strings.ReplaceAll(s.Help, "|", `\|`))
	}
	_, _ = io.WriteString(w, b.String())
}

// wrap splits text into lines of at most width runes, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	var line strings.Builder
	for _, word := range strings.Fields(text) {
		if line.Len() > 0 && line.Len()+1+len(word) > width {
			lines = append(lines, line.String())
			line.Reset()
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(word)
	}
	if line.Len() > 0 {
		lines = append(lines, line.String())
	}
	return lines
}
