package fanout

// A minimal JSON scanner for the two things mirrors need to read from a
// message without decoding it: a top-level field of an object (EVENT_FIELD,
// a LOCAL_EVENTS payload match) and the first argument of a Socket.IO event
// array. It allocates nothing and gives up (ok=false) on anything odd.

import (
	"bytes"
	"encoding/json"
)

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				j, ok := skipString(b, i)
				if !ok {
					return 0, false
				}
				i = j - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	return j, j > i
}

// jsonField returns the raw value of obj's top-level field key (a string
// value without its quotes; escaped keys never match).
func jsonField(obj []byte, key string) ([]byte, bool) {
	v, ok := jsonRawField(obj, key)
	if ok && len(v) >= 2 && v[0] == '"' {
		v = v[1 : len(v)-1]
	}
	return v, ok
}

// jsonText is the text of a JSON string's raw content (as jsonField
// returns it): raw itself when it has no escapes, which costs nothing, else
// a decoded copy (a name or value with quotes, backslashes or \u escapes,
// as some servers write non-ASCII).
func jsonText(raw []byte) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw
	}
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	var s string
	if json.Unmarshal(q, &s) != nil {
		return raw
	}
	return []byte(s)
}

// jsonPlainString returns obj's top-level field key when its value is a
// string without escapes (its raw bytes are its text), without quotes.
func jsonPlainString(obj []byte, key string) ([]byte, bool) {
	v, ok := jsonRawField(obj, key)
	if !ok || len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	v = v[1 : len(v)-1]
	for _, c := range v {
		if c == '\\' {
			return nil, false
		}
	}
	return v, true
}

// jsonRawField returns the raw value of obj's top-level field key, a
// string with its quotes.
func jsonRawField(obj []byte, key string) ([]byte, bool) {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, false
	}
	i = skipWS(obj, i+1)
	for i < len(obj) && obj[i] == '"' {
		end, ok := skipString(obj, i)
		if !ok {
			return nil, false
		}
		k := obj[i+1 : end-1]
		i = skipWS(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return nil, false
		}
		i = skipWS(obj, i+1)
		vend, ok := skipValue(obj, i)
		if !ok {
			return nil, false
		}
		if string(k) == key {
			return obj[i:vend], true
		}
		i = skipWS(obj, vend)
		if i >= len(obj) || obj[i] != ',' {
			return nil, false
		}
		i = skipWS(obj, i+1)
	}
	return nil, false
}

// eventArgs returns the arguments of a Socket.IO event array after its name
// (`["name", a, b]` → `a, b`), or nil.
func eventArgs(arr []byte) []byte {
	i := skipWS(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return nil
	}
	i = skipWS(arr, i+1)
	end, ok := skipValue(arr, i)
	if !ok {
		return nil
	}
	i = skipWS(arr, end)
	if i >= len(arr) || arr[i] != ',' {
		return nil
	}
	rest := arr[skipWS(arr, i+1):]
	if len(rest) > 0 && rest[len(rest)-1] == ']' {
		rest = rest[:len(rest)-1]
	}
	return rest
}
