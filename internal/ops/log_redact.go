package ops

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
)

// redacted replaces a secret wherever it would reach a log line.
const redacted = "[redacted]"

// embeddedMin is the length from which a secret is redacted even inside a
// longer run of letters and digits: a value that contains it leaks it, and
// a string that long does not occur in ordinary text by chance. A shorter
// one (ADMIN_TOKEN=t) is redacted only where it stands as a value of its
// own — a whole token, between delimiters: a URL's userinfo or query, an
// Authorization value, a quoted or key=value field — never inside a word
// ("sidecast listening" stays as it is).
const embeddedMin = 8

// redact replaces every configured secret in s.
func (o *Ops) redact(s string) string { return redactAll(s, o.cfg.Secrets()) }

// redactAll replaces in s each occurrence of a secret that stands as a
// value (see embeddedMin), trying the longest secret first at each
// position, in one pass, so a replacement is never matched again.
func redactAll(s string, secrets []string) string {
	if !containsAny(s, secrets) {
		return s
	}
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	var out strings.Builder
	out.Grow(len(s))
	for i := 0; i < len(s); {
		if n := secretAt(s, i, secrets); n > 0 {
			out.WriteString(redacted)
			i += n
			continue
		}
		out.WriteByte(s[i])
		i++
	}
	return out.String()
}

// secretAt returns the length of the secret that stands as a value at
// s[i:], or 0.
func secretAt(s string, i int, secrets []string) int {
	for _, sec := range secrets {
		if sec == "" || !strings.HasPrefix(s[i:], sec) {
			continue
		}
		if len(sec) >= embeddedMin {
			return len(sec)
		}
		j := i + len(sec)
		// Only an alphanumeric edge of the secret can run on into a word.
		startsWord := isAlnum(sec[0]) && i > 0 && isAlnum(s[i-1])
		endsWord := isAlnum(sec[len(sec)-1]) && j < len(s) && isAlnum(s[j])
		if !startsWord && !endsWord {
			return len(sec)
		}
	}
	return 0
}

func containsAny(s string, secrets []string) bool {
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			return true
		}
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// secretKey matches attribute keys named like a secret; such an attribute
// is hidden whole when its value holds a configured secret anywhere.
var secretKey = regexp.MustCompile(`(?i)(pass(word)?|passwd|pwd|secret|token|auth|credential|api_?key|cookie)$`)

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
	if secretKey.MatchString(a.Key) && v.Kind() != slog.KindGroup && containsAny(v.String(), r.secrets) {
		return slog.String(a.Key, redacted)
	}
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
