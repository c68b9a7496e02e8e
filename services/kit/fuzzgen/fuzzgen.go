// Package fuzzgen turns a fuzzer's bytes into commands for a domain's
// deciders, so one native fuzz target per service can run random commands
// against the histories earlier random commands built, and check what must
// hold whatever the input: no panic; a refusal is a classified domain error
// (a caller's mistake never reaches a client as INTERNAL) with no events;
// an acceptance gives events that marshal, round-trip and evolve; and
// deciding is a function of the state and the command (the same twice).
//
// It is for tests only (like natstest): no service imports it.
package fuzzgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// Source reads choices from fuzz input. Once the input is used up every
// choice is the first one, so any input is a complete session.
type Source struct {
	data  []byte
	vocab []string
	times []time.Time
	picks map[reflect.Type][]reflect.Value
}

// Vocab is what a domain's commands are mostly made of, so that they meet
// the state earlier commands built instead of missing it every time.
type Vocab struct {
	// Strings: ids, organisations, roles (besides those of the history).
	Strings []string
	// Values of any type (actors, say): a field of one of these types is
	// one of them seven times in eight, and filled at random otherwise.
	Values []any
}

// NewSource reads data with vocab.
func NewSource(data []byte, vocab Vocab) *Source {
	s := &Source{data: data, vocab: slices.Clone(vocab.Strings), picks: map[reflect.Type][]reflect.Value{}}
	for _, v := range vocab.Values {
		rv := reflect.ValueOf(v)
		s.picks[rv.Type()] = append(s.picks[rv.Type()], rv)
	}
	return s
}

// Done reports whether the input is used up.
func (s *Source) Done() bool { return len(s.data) == 0 }

// Byte is the next byte of input (0 once it is used up).
func (s *Source) Byte() byte {
	if len(s.data) == 0 {
		return 0
	}
	b := s.data[0]
	s.data = s.data[1:]
	return b
}

// Intn is a choice in [0, n).
func (s *Source) Intn(n int) int {
	if n <= 1 {
		return 0
	}
	v := int(s.Byte())
	if n > 256 {
		v = v<<8 | int(s.Byte())
	}
	return v % n
}

// String is "", a word of the vocabulary, or (one time in eight) random text.
func (s *Source) String() string {
	b := s.Byte()
	if b%8 == 7 {
		n := s.Intn(16)
		out := make([]byte, n)
		for i := range out {
			out[i] = s.Byte()
		}
		// Commands come from protobuf requests, whose strings are UTF-8.
		return strings.ToValidUTF8(string(out), "\uFFFD")
	}
	if k := s.Intn(len(s.vocab) + 1); k > 0 {
		return s.vocab[k-1]
	}
	return ""
}

// Int64 is mostly small (prices, counts, scores), sometimes an extreme.
func (s *Source) Int64() int64 {
	switch b := s.Byte(); b % 16 {
	case 0:
		return math.MaxInt64
	case 1:
		return math.MinInt64
	case 2:
		return -1
	case 3, 4:
		return int64(s.Byte())<<24 | int64(s.Byte())<<16 | int64(s.Byte())<<8 | int64(s.Byte())
	default:
		return int64(s.Byte())
	}
}

// Base is the day fuzzed times are counted from.
var Base = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

// Time is the zero time, a time near one the history holds, or a time
// within about twelve years of Base.
func (s *Source) Time() time.Time {
	b := s.Byte()
	if b%16 == 0 {
		return time.Time{}
	}
	if b%2 == 1 && len(s.times) > 0 {
		t := s.times[s.Intn(len(s.times))]
		return t.Add(time.Duration(s.Intn(64)-16) * 24 * time.Hour)
	}
	days := s.Intn(4400) - 200
	return Base.Add(time.Duration(days)*24*time.Hour + time.Duration(b%24)*time.Hour)
}

// Learn adds the strings and times of m to the vocabulary, so that
// commands name the ids, organisations and dates of the history.
func (s *Source) Learn(m proto.Message) {
	var walk func(protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if ts, ok := m.Interface().(*timestamppb.Timestamp); ok {
			s.times = append(s.times, ts.AsTime())
			return
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList():
				for i := range v.List().Len() {
					if e := v.List().Get(i); fd.Kind() == protoreflect.MessageKind {
						walk(e.Message())
					} else if fd.Kind() == protoreflect.StringKind {
						s.learnString(e.String())
					}
				}
			case fd.IsMap():
				v.Map().Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
					if fd.MapKey().Kind() == protoreflect.StringKind {
						s.learnString(k.String())
					}
					if fd.MapValue().Kind() == protoreflect.MessageKind {
						walk(e.Message())
					}
					return true
				})
			case fd.Kind() == protoreflect.MessageKind:
				walk(v.Message())
			case fd.Kind() == protoreflect.StringKind:
				s.learnString(v.String())
			}
			return true
		})
	}
	walk(m.ProtoReflect())
}

func (s *Source) learnString(v string) {
	if v == "" || len(v) > 64 || slices.Contains(s.vocab, v) {
		return
	}
	s.vocab = append(s.vocab, v)
	// Dates in strings ("2026-04-01") are times too.
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		s.times = append(s.times, t)
	}
}

// Fill sets v (settable) from the input: scalars, times, structs field by
// field, slices and maps of up to three, pointers nil or filled, protobuf
// messages through their descriptors (enums among their values, one field
// of each oneof). Interfaces stay nil.
func (s *Source) Fill(v reflect.Value) { s.fill(v, 0) }

const maxDepth = 5

var (
	timeType  = reflect.TypeFor[time.Time]()
	protoType = reflect.TypeFor[proto.Message]()
)

func (s *Source) fill(v reflect.Value, depth int) {
	if depth > maxDepth {
		return
	}
	if picks := s.picks[v.Type()]; len(picks) > 0 && s.Byte()%8 != 7 {
		v.Set(picks[s.Intn(len(picks))])
		return
	}
	if v.Kind() == reflect.Pointer && v.Type().Implements(protoType) {
		if s.Byte()%8 == 0 {
			return // nil
		}
		m := reflect.New(v.Type().Elem())
		s.fillProto(m.Interface().(proto.Message).ProtoReflect(), depth+1)
		v.Set(m)
		return
	}
	if v.Type() == timeType {
		v.Set(reflect.ValueOf(s.Time()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s.String())
	case reflect.Bool:
		v.SetBool(s.Byte()%2 == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := s.Int64()
		if v.OverflowInt(n) {
			n = int64(int8(n))
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n := uint64(s.Int64())
		if v.OverflowUint(n) {
			n = uint64(uint8(n))
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(s.Int64()) / 4)
	case reflect.Slice:
		n := s.Intn(4)
		sl := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			s.fill(sl.Index(i), depth+1)
		}
		v.Set(sl)
	case reflect.Array:
		for i := range v.Len() {
			s.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range s.Intn(3) {
			k := reflect.New(v.Type().Key()).Elem()
			s.fill(k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			s.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Pointer:
		if s.Byte()%4 == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		s.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				s.fill(v.Field(i), depth+1)
			}
		}
	}
}

// fillProto sets some of m's fields.
func (s *Source) fillProto(m protoreflect.Message, depth int) {
	if ts, ok := m.Interface().(*timestamppb.Timestamp); ok {
		t := s.Time()
		ts.Seconds, ts.Nanos = t.Unix(), int32(t.Nanosecond())
		return
	}
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if oo := fd.ContainingOneof(); oo != nil && !oo.IsSynthetic() {
			continue // below: one field of each oneof
		}
		if s.Byte()%4 == 0 {
			continue
		}
		s.setField(m, fd, depth)
	}
	oneofs := m.Descriptor().Oneofs()
	for i := range oneofs.Len() {
		oo := oneofs.Get(i)
		if oo.IsSynthetic() {
			continue
		}
		if k := s.Intn(oo.Fields().Len() + 1); k > 0 {
			s.setField(m, oo.Fields().Get(k-1), depth)
		}
	}
}

func (s *Source) setField(m protoreflect.Message, fd protoreflect.FieldDescriptor, depth int) {
	switch {
	case fd.IsList():
		l := m.Mutable(fd).List()
		for range s.Intn(4) {
			if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind {
				e := l.NewElement()
				if depth < maxDepth {
					s.fillProto(e.Message(), depth+1)
				}
				l.Append(e)
			} else {
				l.Append(s.scalar(fd))
			}
		}
	case fd.IsMap():
		mp := m.Mutable(fd).Map()
		for range s.Intn(3) {
			k := s.scalar(fd.MapKey()).MapKey()
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				e := mp.NewValue()
				if depth < maxDepth {
					s.fillProto(e.Message(), depth+1)
				}
				mp.Set(k, e)
			} else {
				mp.Set(k, s.scalar(fd.MapValue()))
			}
		}
	case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
		if depth < maxDepth {
			s.fillProto(m.Mutable(fd).Message(), depth+1)
		}
	default:
		m.Set(fd, s.scalar(fd))
	}
}

func (s *Source) scalar(fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(s.Byte()%2 == 1)
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		if b := s.Byte(); b%16 == 15 {
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(int32(b))) // not a value of the enum
		}
		return protoreflect.ValueOfEnum(vals.Get(s.Intn(vals.Len())).Number())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(s.Int64()))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(s.Int64())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(s.Int64()))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(s.Int64()))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(s.Int64()) / 4)
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(float64(s.Int64()) / 4)
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(s.String())
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte(s.String()))
	}
	panic(fmt.Sprintf("fuzzgen: field %s of kind %v", fd.FullName(), fd.Kind()))
}

// Session is one aggregate's part in a fuzz target: its initial state, its
// evolve, and its commands.
type Session interface {
	run(t *testing.T, src *Source) (accepted int)
}

// Aggregate is an aggregate whose commands a session issues in turn, from
// its initial state or from one of Histories (valid histories from the
// domain's tests, so that sessions reach deep states quickly).
type Aggregate[S any] struct {
	Name      string
	Initial   func() S
	Evolve    func(S, proto.Message) S
	Histories [][]proto.Message
	Commands  []Command[S]
}

// Command is one kind of command of an aggregate.
type Command[S any] struct {
	name     string
	internal bool
	decide   func(t *testing.T, s S, src *Source, internal bool) []proto.Message
}

// Internal marks a command the service issues itself (a reaction, a
// sweep), never a client: its refusal may be a plain error, which a
// reaction retries or dead-letters, since no caller made a mistake.
func (c Command[S]) Internal() Command[S] {
	c.internal = true
	return c
}

// Cmd is the command kind C, decided by decide.
func Cmd[S, C any](decide func(S, C) ([]proto.Message, error)) Command[S] {
	name := reflect.TypeFor[C]().String()
	return Command[S]{name: name, decide: func(t *testing.T, s S, src *Source, internal bool) []proto.Message {
		var c C
		src.Fill(reflect.ValueOf(&c).Elem())
		events, err := decide(s, c)
		again, errAgain := decide(s, c)
		if fmt.Sprint(err) != fmt.Sprint(errAgain) || !sameEvents(events, again) {
			t.Fatalf("%s %+v: decided twice on the same state, got %v %v then %v %v", name, c, events, err, again, errAgain)
		}
		if err != nil {
			if !internal {
				CheckRefusal(t, name, err)
			}
			if len(events) > 0 {
				t.Fatalf("%s %+v: refused (%v) with %d events", name, c, err, len(events))
			}
			return nil
		}
		CheckEvents(t, name, events)
		return events
	}}
}

// Steps is the most commands one session issues.
const Steps = 24

func (a Aggregate[S]) run(t *testing.T, src *Source) (accepted int) {
	s := a.Initial()
	if k := src.Intn(len(a.Histories) + 1); k > 0 {
		for _, e := range a.Histories[k-1] {
			s = a.Evolve(s, e)
			src.Learn(e)
		}
	}
	for range Steps {
		if src.Done() {
			return accepted
		}
		c := a.Commands[src.Intn(len(a.Commands))]
		events := c.decide(t, s, src, c.internal)
		if len(events) > 0 {
			accepted++
		}
		for _, e := range events {
			s = a.Evolve(s, e)
			src.Learn(e)
		}
	}
	return accepted
}

// Run plays one session from data: its first byte picks the aggregate. It
// returns how many commands were accepted.
func Run(t *testing.T, data []byte, vocab Vocab, sessions ...Session) int {
	src := NewSource(data, vocab)
	return sessions[src.Intn(len(sessions))].run(t, src)
}

// Accepted plays n sessions of pseudo-random bytes (the same on every run)
// and returns how many commands were accepted: a test that it is not zero
// shows the sessions reach the deciders' accepting paths, not only their
// first refusal.
func Accepted(t *testing.T, n int, vocab Vocab, sessions ...Session) int {
	r := rand.New(rand.NewPCG(17, 6))
	total := 0
	data := make([]byte, 256)
	for range n {
		for i := range data {
			data[i] = byte(r.UintN(256))
		}
		total += Run(t, data, vocab, sessions...)
	}
	return total
}

// CheckRefusal fails t unless err is a domain error a transport can map to
// a caller's code, naming its rule or field where the kind needs one.
func CheckRefusal(t *testing.T, what string, err error) {
	t.Helper()
	de, ok := domainerr.As(err)
	if !ok {
		t.Fatalf("%s: refused with %T %q, not a domain error: a client would see INTERNAL", what, err, err)
	}
	switch de.Kind {
	case domainerr.Precondition, domainerr.Invalid:
		if de.Rule == "" {
			t.Fatalf("%s: %v error without its rule or field: %q", what, de.Kind, de.Message)
		}
	case domainerr.NotFound, domainerr.Denied, domainerr.Conflict:
	default:
		t.Fatalf("%s: domain error of unknown kind %d: %v", what, de.Kind, de)
	}
}

// CheckEvents fails t unless every event is a message that marshals and
// comes back the same (as the store will write and read it).
func CheckEvents(t *testing.T, what string, events []proto.Message) {
	t.Helper()
	for i, e := range events {
		if e == nil || !e.ProtoReflect().IsValid() {
			t.Fatalf("%s: event %d is nil", what, i)
		}
		b, err := proto.Marshal(e)
		if err != nil {
			t.Fatalf("%s: event %d %T does not marshal: %v", what, i, e, err)
		}
		back := e.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(b, back); err != nil || !proto.Equal(e, back) {
			t.Fatalf("%s: event %d %T does not round-trip: %v", what, i, e, err)
		}
	}
}

func sameEvents(a, b []proto.Message) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
