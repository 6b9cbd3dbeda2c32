package deploytest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode"
)

// instruction is one Dockerfile instruction after line continuations are
// joined: the upper-cased keyword, its raw arguments and its first line.
type instruction struct {
	Cmd  string
	Args string
	Line int
}

// stage is the instructions from one FROM up to the next. The instructions
// before the first FROM (global ARGs) sit in a stage with an empty From.
type stage struct {
	From  string // image reference, as written
	Name  string // the AS name, if any
	Insts []instruction
}

// parseDockerfile splits a Dockerfile into stages of instructions. It
// follows the builder's line rules (comments, blank lines, backslash
// continuations) but knows no heredocs, which this repository avoids.
func parseDockerfile(src string) ([]stage, error) {
	stages := []stage{{}}
	var cur strings.Builder
	start := 0
	lines := strings.Split(src, "\n")
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue // comments may sit inside a continued instruction too
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		body, more := strings.CutSuffix(line, "\\")
		cur.WriteString(strings.TrimSpace(body))
		if more && i < len(lines)-1 {
			cur.WriteByte(' ')
			continue
		}
		inst, err := splitInstruction(cur.String(), start)
		cur.Reset()
		if err != nil {
			return nil, err
		}
		if inst.Cmd == "FROM" {
			stages = append(stages, newStage(inst))
			continue
		}
		stages[len(stages)-1].Insts = append(stages[len(stages)-1].Insts, inst)
	}
	return stages, nil
}

func splitInstruction(text string, line int) (instruction, error) {
	cmd, args, _ := strings.Cut(text, " ")
	if cmd == "" {
		return instruction{}, fmt.Errorf("line %d: empty instruction", line)
	}
	for _, r := range cmd {
		if !unicode.IsLetter(r) {
			return instruction{}, fmt.Errorf("line %d: %q is not an instruction", line, cmd)
		}
	}
	return instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: line}, nil
}

// newStage reads `FROM [--platform=...] image [AS name]`.
func newStage(from instruction) stage {
	var fields []string
	for _, f := range strings.Fields(from.Args) {
		if !strings.HasPrefix(f, "--") {
			fields = append(fields, f)
		}
	}
	st := stage{Insts: []instruction{from}}
	if len(fields) > 0 {
		st.From = fields[0]
	}
	if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
		st.Name = fields[2]
	}
	return st
}

// execForm decodes a JSON-array argument (`["/bin", "arg"]`); ok is false
// for the shell form.
func execForm(args string) (argv []string, ok bool) {
	if !strings.HasPrefix(strings.TrimSpace(args), "[") {
		return nil, false
	}
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		return nil, false
	}
	return argv, true
}

// find returns the stage's instructions with the given keyword.
func (s stage) find(cmd string) []instruction {
	var out []instruction
	for _, in := range s.Insts {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

func FuzzParseDockerfile(f *testing.F) {
	f.Add("FROM scratch\nUSER 1:1\n")
	f.Fuzz(func(t *testing.T, src string) {
		stages, err := parseDockerfile(src)
		if err != nil {
			return
		}
		froms := 0
		for _, st := range stages {
			for _, in := range st.Insts {
				if in.Cmd == "" || strings.ToUpper(in.Cmd) != in.Cmd {
					t.Errorf("instruction keyword %q", in.Cmd)
				}
				if in.Cmd == "FROM" {
					froms++
				}
			}
		}
		if froms != len(stages)-1 {
			t.Errorf("%d FROMs in %d stages", froms, len(stages)-1)
		}
	})
}
