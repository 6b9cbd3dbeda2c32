package ops

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// redacted replaces a secret wherever it would reach a log line.
const redacted = "[redacted]"

// redact replaces every configured secret in s.
func (o *Ops) redact(s string) string { return redactAll(s, o.cfg.Secrets()) }

func redactAll(s string, secrets []string) string {
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

// redactHandler is the last line of defence behind the rule that no code
// logs a secret: it rewrites the message and every attribute value that
// contains a configured secret before the real handler formats the line.
type redactHandler struct {
	h       slog.Handler
	secrets []string
}

// withRedaction wraps h, unless there is no secret to hide.
func withRedaction(h slog.Handler, secrets []string) slog.Handler {
	if len(secrets) == 0 {
		return h
	}
	return &redactHandler{h: h, secrets: secrets}
}

func (r *redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, redactAll(rec.Message, r.secrets), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = r.attr(a)
	}
	return &redactHandler{h: r.h.WithAttrs(clean), secrets: r.secrets}
}

func (r *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{h: r.h.WithGroup(name), secrets: r.secrets}
}

// attr returns a with its value redacted; values that are not strings
// (errors, structs, Stringers) are checked in their printed form and, when
// they hold a secret, replaced by that form redacted.
func (r *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redactAll(v.String(), r.secrets))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = r.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		s := fmt.Sprintf("%+v", v.Any())
		if cleaned := redactAll(s, r.secrets); cleaned != s {
			return slog.String(a.Key, cleaned)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
