package ops

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/sidecast/sidecast/internal/config"
)

// long is a secret of the length start-up accepts; short ones stand for
// what a careless configuration holds, and the redaction must be right
// for both.
const long = "Sup3r-S3cret-T0ken"

var redactTests = []struct {
	name    string
	secrets []string
	in      string
	want    string
}{
	// No false positives: a secret that is part of an ordinary word or
	// value is not the secret.
	{"short secret inside words", []string{"t"}, "sidecast listening", "sidecast listening"},
	{"short secret inside values", []string{"t"}, "timeout=5s addr=[::]:3000 at 127.0.0.1", "timeout=5s addr=[::]:3000 at 127.0.0.1"},
	{"word secret inside a longer word", []string{"admin", "pw"}, "administrator pwned the pwd", "administrator pwned the pwd"},
	{"digits secret inside a number", []string{"300"}, "backend http://127.0.0.1:3001 answered 3000 bytes", "backend http://127.0.0.1:3001 answered 3000 bytes"},
	{"nothing to hide", []string{long}, "sidecast listening addr=[::]:3000", "sidecast listening addr=[::]:3000"},

	// No leak, wherever a secret appears as a value.
	{"message with a URL password", []string{long}, "dial redis://user:" + long + "@cache:6379/0 failed", "dial redis://user:[redacted]@cache:6379/0 failed"},
	{"short URL password", []string{"t"}, "dial redis://u:t@h:1/0", "dial redis://u:[redacted]@h:1/0"},
	{"escaped URL password", []string{"sl/ash@pw", "sl%2Fash%40pw"}, "redis://u:sl%2Fash%40pw@h:1", "redis://u:[redacted]@h:1"},
	{"query value", []string{long}, "GET /ws?token=" + long + "&room=a", "GET /ws?token=[redacted]&room=a"},
	{"short query value", []string{"t"}, "GET /ws?token=t&room=a", "GET /ws?token=[redacted]&room=a"},
	{"authorization header", []string{"t"}, "Authorization: Bearer t", "Authorization: Bearer [redacted]"},
	{"header map", []string{long}, "map[Authorization:[Bearer " + long + "] Cookie:[sid=1]]", "map[Authorization:[Bearer [redacted]] Cookie:[sid=1]]"},
	{"error string", []string{long}, fmt.Sprintf("WRONGPASS invalid password %q", long), `WRONGPASS invalid password "[redacted]"`},
	{"json field", []string{"t"}, `{"password":"t","user":"tom"}`, `{"password":"[redacted]","user":"tom"}`},
	{"a whole word is a value", []string{"admin"}, "logged in as admin", "logged in as [redacted]"},
	{"every occurrence", []string{"t"}, "t t,t", "[redacted] [redacted],[redacted]"},
	{"a long secret inside a longer value", []string{long}, "x" + long + "y", "x[redacted]y"},
	{"longest secret first", []string{"abc", "abc-def-ghi"}, "k=abc-def-ghi k=abc", "k=[redacted] k=[redacted]"},
	{"secret with symbols at its edges", []string{"@pw!"}, "a@pw!b", "a[redacted]b"},
}

// TestRedact: secrets are replaced where they stand as values (a whole
// token, or, when long enough not to occur by chance, anywhere), never
// inside ordinary words.
func TestRedact(t *testing.T) {
	for _, tt := range redactTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redactAll(tt.in, tt.secrets); got != tt.want {
				t.Fatalf("redact(%q) with %q\n got %q\nwant %q", tt.in, tt.secrets, got, tt.want)
			}
		})
	}
}

// FuzzRedact: whatever the text, no whole-token or long secret survives,
// and text without any secret passes unchanged.
func FuzzRedact(f *testing.F) {
	for _, tt := range redactTests {
		f.Add(tt.in, tt.secrets[0])
	}
	f.Fuzz(func(t *testing.T, in, secret string) {
		if secret == "" || strings.Contains(redacted, secret) {
			return
		}
		out := redactAll(in, []string{secret})
		if !strings.Contains(in, secret) && out != in {
			t.Fatalf("%q changed to %q without a secret %q in it", in, out, secret)
		}
		if len(secret) >= embeddedMin && strings.Contains(out, secret) {
			t.Fatalf("long secret %q survived in %q", secret, out)
		}
		if strings.Contains(" "+out+" ", " "+secret+" ") && strings.TrimSpace(secret) == secret {
			t.Fatalf("whole-token secret %q survived in %q", secret, out)
		}
	})
}

// TestRedactAttrs: an attribute named like a secret is hidden whole when
// it holds a configured secret; others are redacted as text; values in
// ordinary attributes are left alone.
func TestRedactAttrs(t *testing.T) {
	tests := []struct {
		name string
		attr slog.Attr
		want string // in the text line
	}{
		{"password field", slog.String("password", "x-t-y"), "password=[redacted]"},
		{"token field, short secret inside", slog.String("admin_token", "at"), "admin_token=[redacted]"},
		{"authorization", slog.String("authorization", "Bearer t"), `authorization="Bearer [redacted]"`},
		{"ordinary field", slog.String("msg2", "sidecast listening"), `msg2="sidecast listening"`},
		{"ordinary field named like a secret", slog.String("secret_source", "CLUSTER_SECRET"), "secret_source=CLUSTER_SECRET"},
		{"error", slog.Any("err", fmt.Errorf("dial redis://u:t@h: refused")), `err="dial redis://u:[redacted]@h: refused"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			cfg := &config.Config{ServerID: "r", LogLevel: "info", LogFormat: "text", AdminToken: "t"}
			NewLogger(cfg, &buf).Info("sidecast listening", tt.attr)
			line := buf.String()
			if !strings.Contains(line, `msg="sidecast listening"`) || !strings.Contains(line, tt.want) {
				t.Fatalf("line %q lacks %q", line, tt.want)
			}
		})
	}
}
