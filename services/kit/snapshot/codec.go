package snapshot

import (
	"bytes"
	"encoding/gob"

	"google.golang.org/protobuf/proto"
)

// Encode is a read model's state as gob: compact structs in, bytes out.
func Encode(state any) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(state); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Decode reads into state what Encode wrote.
func Decode(data []byte, state any) error {
	return gob.NewDecoder(bytes.NewReader(data)).Decode(state)
}

// Writer marshals the protobuf messages a read model keeps in its wire
// form, keeping the first error so a snapshot's fields read as one list.
type Writer struct{ err error }

// Marshal is msg's wire form (nil after an error).
func (w *Writer) Marshal(msg proto.Message) []byte {
	b, err := proto.Marshal(msg)
	if err != nil && w.err == nil {
		w.err = err
	}
	return b
}

// Err is the first error met.
func (w *Writer) Err() error { return w.err }

// MarshalAll is each message's wire form (nil for none).
func MarshalAll[T proto.Message](w *Writer, msgs []T) [][]byte {
	if len(msgs) == 0 {
		return nil
	}
	out := make([][]byte, len(msgs))
	for i, msg := range msgs {
		out[i] = w.Marshal(msg)
	}
	return out
}

// Reader unmarshals what a Writer marshalled, keeping the first error.
type Reader struct{ err error }

// Err is the first error met.
func (r *Reader) Err() error { return r.err }

// UnmarshalOne reads raw into msg and returns it.
func UnmarshalOne[T proto.Message](r *Reader, raw []byte, msg T) T {
	if err := proto.Unmarshal(raw, msg); err != nil && r.err == nil {
		r.err = err
	}
	return msg
}

// UnmarshalEach reads each of raw into a new message (nil for none).
func UnmarshalEach[T proto.Message](r *Reader, raw [][]byte, newMsg func() T) []T {
	if len(raw) == 0 {
		return nil
	}
	out := make([]T, len(raw))
	for i, b := range raw {
		out[i] = UnmarshalOne(r, b, newMsg())
	}
	return out
}

// KeepMap sets *dst to src unless src is nil: gob leaves empty maps out, and
// an empty model's map must stay usable.
func KeepMap[M ~map[K]V, K comparable, V any](dst *M, src M) {
	if src != nil {
		*dst = src
	}
}
