package grpcserver

import (
	"fmt"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	protoenc "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// MaxNesting is how deeply messages may nest in a request: protobuf's usual
// limit (C++, Java). Go's own default is 10,000, which lets a small request
// make the decoder recurse far more than any carecoop message needs.
const MaxNesting = 100

var decodeOptions = proto.UnmarshalOptions{RecursionLimit: MaxNesting}

// requestCodec is the server's codec: protobuf, as grpc-go's own, except
// that a request that does not decode (bad wire format, invalid UTF-8 in a
// string, nesting deeper than MaxNesting) is the caller's mistake,
// INVALID_ARGUMENT, not the server's.
//
// grpc-go (v1.85, rpc_util.go recv) turns any Unmarshal error into INTERNAL,
// even a status error, and serverStream.RecvMsg writes that status to the
// client at once: for a unary call, before any interceptor has run. So
// Unmarshal does not return its failure to grpc-go. It empties the message
// and keeps the error against it; the decoding interceptor, which every
// call passes before anything reads its request, answers INVALID_ARGUMENT
// with it (see decodeError).
type requestCodec struct {
	marshal encoding.CodecV2
	failed  sync.Map // proto.Message → its decoding error
}

func newRequestCodec() (*requestCodec, error) {
	c := encoding.GetCodecV2(protoenc.Name)
	if c == nil {
		return nil, fmt.Errorf("grpcserver: no %q codec registered", protoenc.Name)
	}
	return &requestCodec{marshal: c}, nil
}

func (c *requestCodec) Name() string { return protoenc.Name }

func (c *requestCodec) Marshal(v any) (mem.BufferSlice, error) { return c.marshal.Marshal(v) }

func (c *requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("grpcserver: cannot decode into %T, not a proto.Message", v)
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	if err := decodeOptions.Unmarshal(buf.ReadOnlyData(), m); err != nil {
		proto.Reset(m) // nothing half-decoded reaches a handler
		c.failed.Store(m, err)
	}
	return nil
}

// decodeError takes the decoding failure of m, if it had one, as an
// INVALID_ARGUMENT status.
func (c *requestCodec) decodeError(m any) error {
	msg, ok := m.(proto.Message)
	if !ok {
		return nil
	}
	err, failed := c.failed.LoadAndDelete(msg)
	if !failed {
		return nil
	}
	return status.Errorf(codes.InvalidArgument, "the request is not a valid protobuf message: %v", err)
}
