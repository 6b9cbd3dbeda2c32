package socketio

import (
	"errors"
	"testing"
)

type step struct {
	binary bool
	data   string
	n      int // attachments announced, for a packet
	done   bool
	err    error
}

func TestAssembler(t *testing.T) {
	tests := []struct {
		name  string
		max   int
		steps []step
		parts []string // of the last completed unit
	}{
		{"plain packet", 0, []step{{false, `2["x"]`, 0, true, nil}}, []string{`2["x"]`}},
		{"two attachments", 0, []step{
			{false, `52-["p"]`, 2, false, nil},
			{true, "\x01", 0, false, nil},
			{true, "\x02\x03", 0, true, nil},
		}, []string{`52-["p"]`, "\x01", "\x02\x03"}},
		{"unit then plain", 0, []step{
			{false, `51-["p"]`, 1, false, nil},
			{true, "\x01", 0, true, nil},
			{false, `2["y"]`, 0, true, nil},
		}, []string{`2["y"]`}},
		{"interrupted", 0, []step{
			{false, `51-["p"]`, 1, false, nil},
			{false, `2["y"]`, 0, false, ErrIncompleteUnit},
		}, nil},
		{"unexpected binary", 0, []step{{true, "\x01", 0, false, ErrUnexpectedBinary}}, nil},
		{"too many", 3, []step{{false, `54-["p"]`, 4, false, ErrTooManyAttachments}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Assembler{MaxAttachments: tt.max}
			for i, s := range tt.steps {
				var done bool
				var err error
				if s.binary {
					done, err = a.AddAttachment([]byte(s.data))
				} else {
					done, err = a.AddPacket([]byte(s.data), s.n)
				}
				if done != s.done || !errors.Is(err, s.err) {
					t.Fatalf("step %d: done=%v err=%v, want %v %v", i, done, err, s.done, s.err)
				}
			}
			if tt.parts == nil {
				return
			}
			if a.Len() != len(tt.parts) {
				t.Fatalf("Len = %d, want %d", a.Len(), len(tt.parts))
			}
			for i, p := range tt.parts {
				if string(a.Part(i)) != p {
					t.Fatalf("part %d = %q, want %q", i, a.Part(i), p)
				}
			}
		})
	}
}

func TestAssemblerBytesLimit(t *testing.T) {
	a := Assembler{MaxBytes: 10}
	if _, err := a.AddPacket([]byte(`51-["p"]`), 1); err != nil {
		t.Fatal(err)
	}
	if since, ok := a.PendingSince(); !ok || since.IsZero() {
		t.Fatalf("PendingSince = %v %v, want a pending unit", since, ok)
	}
	if _, err := a.AddAttachment([]byte("0123456789")); !errors.Is(err, ErrAttachmentTooLarge) {
		t.Fatalf("err = %v, want ErrAttachmentTooLarge", err)
	}
	if a.Pending() {
		t.Fatal("unit still pending after an error")
	}
}

func TestAssemblerAllocs(t *testing.T) {
	var a Assembler
	pkt := []byte(`51-["send_photo",{"_placeholder":true,"num":0}]`)
	att := make([]byte, 4096)
	run := func() {
		if _, err := a.AddPacket(pkt, 1); err != nil {
			t.Fatal(err)
		}
		if done, err := a.AddAttachment(att); !done || err != nil {
			t.Fatalf("done=%v err=%v", done, err)
		}
	}
	run()
	if allocs := testing.AllocsPerRun(1000, run); allocs != 0 {
		t.Fatalf("Assembler allocates %.1f times per unit, want 0", allocs)
	}
}
