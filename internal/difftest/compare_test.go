package difftest

import (
	"strings"
	"testing"
)

func ev(event, args string) Item {
	return Item{Kind: "event", Event: event, Args: args, Origin: origin(args)}
}

func TestCompare(t *testing.T) {
	hiA := ev("new_message", `[{"from":"a","text":"hi"}]`)
	hiA2 := ev("new_message", `[{"from":"a","text":"hi again"}]`)
	hiB := ev("new_message", `[{"from":"b","text":"hi"}]`)
	welcome := ev("welcome", `[{"x":1}]`)
	tests := []struct {
		name    string
		oracle  Streams
		cluster Streams
		want    []string // kinds of the problems, in order
	}{
		{"equal", Streams{"a": {welcome, hiA, hiB}}, Streams{"a": {welcome, hiA, hiB}}, nil},
		{"origins interleave freely", Streams{"a": {hiA, hiB, hiA2}}, Streams{"a": {hiB, hiA, hiA2}}, nil},
		{"missing", Streams{"a": {welcome, hiA}}, Streams{"a": {welcome}}, []string{"missing"}},
		{"duplicated", Streams{"a": {hiA}}, Streams{"a": {hiA, hiA}}, []string{"duplicated"}},
		{"leaked", Streams{"a": {hiA}, "b": {}}, Streams{"a": {hiA}, "b": {hiA}}, []string{"leaked"}},
		{"client only in the cluster", Streams{}, Streams{"c": {hiA}}, []string{"leaked"}},
		{"one sender out of order", Streams{"a": {hiA, hiA2}}, Streams{"a": {hiA2, hiA}}, []string{"order"}},
		{"no sender, no order", Streams{"a": {welcome, ev("x", `[2]`)}}, Streams{"a": {ev("x", `[2]`), welcome}}, nil},
		{"a server is no sender", Streams{"a": {ev("said", `[{"from":"server","t":1}]`), ev("said", `[{"from":"server","t":2}]`)}},
			Streams{"a": {ev("said", `[{"from":"server","t":2}]`), ev("said", `[{"from":"server","t":1}]`)}}, nil},
		{"missing and leaked", Streams{"a": {hiA}}, Streams{"a": {hiB}}, []string{"missing", "leaked"}},
		{"acked differs", Streams{"a": {{Kind: "event", Event: "ping", Acked: true}}},
			Streams{"a": {{Kind: "event", Event: "ping"}}}, []string{"missing", "leaked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compare(tt.oracle, tt.cluster, map[string]bool{"a": true, "b": true})
			var kinds []string
			for _, p := range got {
				kinds = append(kinds, p.Kind)
			}
			if strings.Join(kinds, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("problems %v, want kinds %v", got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ids and timestamps", `[{"id":7,"timestamp":"2026-01-01T00:00:00Z","text":"x"}]`, `[{"id":"*","text":"x","timestamp":"*"}]`},
		{"nested", `[{"history":[{"id":1,"from":"~p1~a"}]}]`, `[{"history":[{"from":"a","id":"*"}]}]`},
		{"server id", `{"serverId":"n1","ok":true}`, `{"ok":true,"serverId":"*"}`},
		{"prefix in text", `["hello ~p1~b"]`, `["hello b"]`},
		{"numbers keep their digits", `[1.50, 10000000000000001]`, `[1.50,10000000000000001]`},
		{"key order", `{"b":1,"a":2}`, `{"a":2,"b":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize([]byte(tt.in), "~p1~")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("Normalize(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
	for _, bad := range []string{``, `{`, `[1] [2]`, `nul`} {
		if _, err := Normalize([]byte(bad), ""); err == nil {
			t.Errorf("Normalize(%q) accepted malformed JSON", bad)
		}
	}
}

// FuzzNormalize checks that normalising never panics and that, without a
// prefix to cut, it is idempotent: a canonical payload normalises to itself.
// (Cutting a prefix is not: removing one can join two halves of another.)
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{`[{"id":1,"from":"~p~a"}]`, `{"a":[1,{"timestamp":2}]}`, `"x"`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, _ = Normalize(raw, "~p~")
		once, err := Normalize(raw, "")
		if err != nil {
			return
		}
		twice, err := Normalize([]byte(once), "")
		if err != nil {
			t.Fatalf("canonical form %s does not parse: %v", once, err)
		}
		if twice != once {
			t.Fatalf("not idempotent: %s then %s", once, twice)
		}
	})
}
