package eventlist

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// parseCases are the table of Parse; FuzzParse starts from their inputs.
var parseCases = []struct {
	name    string
	in      string
	matches bool
	want    []Entry
	err     error
}{
	{"empty", "", true, nil, nil},
	{"blank", "  ", false, nil, nil},
	{"plain names", "join_twin_room, leave_twin_room", false, []Entry{{Name: "join_twin_room"}, {Name: "leave_twin_room"}}, nil},
	{"socket.io chat example", "add user,new message", false, []Entry{{Name: "add user"}, {Name: "new message"}}, nil},
	{"inner spaces kept, outer trimmed", "  user joined ,\tuser left ", true, []Entry{{Name: "user joined"}, {Name: "user left"}}, nil},
	{"punctuation", "chat:message,room/join,typing…,ping!", false,
		[]Entry{{Name: "chat:message"}, {Name: "room/join"}, {Name: "typing…"}, {Name: "ping!"}}, nil},
	{"non-ASCII", "присоединиться,加入房间,entrée", false, []Entry{{Name: "присоединиться"}, {Name: "加入房间"}, {Name: "entrée"}}, nil},
	{"equals in a bare name", "a=b", false, []Entry{{Name: "a=b"}}, nil},
	{"payload match", "welcome,new_message@from=system", true,
		[]Entry{{Name: "welcome"}, {Name: "new_message", Field: "from", Value: "system"}}, nil},
	{"match with spaces", "message @ username = chat bot", true, []Entry{{Name: "message", Field: "username", Value: "chat bot"}}, nil},
	{"equals and at in a bare value", "a@b=c=d@e", true, []Entry{{Name: "a", Field: "b", Value: "c=d@e"}}, nil},
	{"quoted comma", `"a,b",c`, false, []Entry{{Name: "a,b"}, {Name: "c"}}, nil},
	{"quoted at", `"user@host"`, false, []Entry{{Name: "user@host"}}, nil},
	{"quoted all parts", `"new, message"@"a=b"="x, y"`, true, []Entry{{Name: "new, message", Field: "a=b", Value: "x, y"}}, nil},
	{"quoted escapes", `"say \"hi\"","back\\slash","\u00e9t\u00e9"`, false,
		[]Entry{{Name: `say "hi"`}, {Name: `back\slash`}, {Name: "été"}}, nil},
	{"quoted outer spaces kept", `" padded "`, false, []Entry{{Name: " padded "}}, nil},
	{"spaces around quotes", ` "a" , "b" `, false, []Entry{{Name: "a"}, {Name: "b"}}, nil},
	{"stray comma", "a,,b", false, nil, ErrEmpty},
	{"trailing comma", "a,", false, nil, ErrEmpty},
	{"empty quoted", `""`, false, nil, ErrEmpty},
	{"at in a names-only list", "a@b=c", false, nil, ErrMatch},
	{"match without equals", "a@b", true, nil, ErrSyntax},
	{"empty field", "a@=c", true, nil, ErrEmpty},
	{"empty value", "a@b=", true, nil, ErrEmpty},
	{"unclosed quote", `"a,b`, false, nil, ErrSyntax},
	{"text after a quote", `"a"b`, false, nil, ErrSyntax},
	{"bad escape", `"a\qb"`, false, nil, ErrSyntax},
	{"stray quote in a bare name", `say"hi`, false, nil, ErrSyntax},
	{"invalid UTF-8", "0=\x800", false, nil, ErrSyntax},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in, tc.matches)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Parse(%q) = %v, %v; want an error wrapping %v", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse(%q) = %#v, %v; want %#v", tc.in, got, err, tc.want)
			}
			if back, err := Parse(Format(got), tc.matches); err != nil || !reflect.DeepEqual(back, got) {
				t.Fatalf("Format %q parses to %#v, %v; want %#v", Format(got), back, err, got)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"message", "message"},
		{"add user", "add user"},
		{"été", "été"},
		{"a,b", `"a,b"`},
		{"a@b", `"a@b"`},
		{"a=b", `"a=b"`},
		{`say "hi"`, `"say \"hi\""`},
		{" padded", `" padded"`},
		{"<b>&", "<b>&"},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// FuzzParse: Parse never panics; what it accepts formats back to text that
// parses to the same entries; and any valid UTF-8 name survives Format.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in, tc.matches)
	}
	f.Fuzz(func(t *testing.T, in string, matches bool) {
		got, err := Parse(in, matches)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrMatch) {
				t.Fatalf("Parse(%q): error %v wraps no sentinel", in, err)
			}
		} else {
			for _, e := range got {
				if e.Name == "" || (e.Field == "") != (e.Value == "") {
					t.Fatalf("Parse(%q) gave the entry %#v", in, e)
				}
				if !matches && e.Field != "" {
					t.Fatalf("Parse(%q, false) gave a match %#v", in, e)
				}
			}
			if back, err := Parse(Format(got), matches); err != nil || !reflect.DeepEqual(back, got) {
				t.Fatalf("Parse(%q) = %#v; its Format %q parses to %#v, %v", in, got, Format(got), back, err)
			}
		}
		if name := strings.TrimSpace(in); name != "" && utf8.ValidString(in) {
			one := []Entry{{Name: in}}
			if back, err := Parse(Format(one), false); err != nil || !reflect.DeepEqual(back, one) {
				t.Fatalf("name %q: Format %q parses to %#v, %v", in, Format(one), back, err)
			}
		}
	})
}
