package grpcserver_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// rawCodec sends a request's bytes as they are, so a test can send what no
// protobuf library would marshal; it is named "proto" so the call looks
// like any other.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func marshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nested is a DescriptorProto whose messages nest depth deep.
func nested(depth int) *descriptorpb.DescriptorProto {
	m := &descriptorpb.DescriptorProto{}
	for range depth - 1 {
		m = &descriptorpb.DescriptorProto{NestedType: []*descriptorpb.DescriptorProto{m}}
	}
	return m
}

// Bytes that are not a valid request get INVALID_ARGUMENT, with a token or
// without, and never reach a handler; the server carries on.
func TestMalformedRequestIsInvalidArgument(t *testing.T) {
	e, addr := serveTCP(t, nil)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	valid := marshal(t, validDraft())
	requestID := protowire.AppendTag(nil, 1, protowire.BytesType) // DraftFrameworkRequest.request_id
	tests := []struct {
		name, method string
		body         []byte
	}{
		{"garbage", "Draft", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"truncated body", "Draft", valid[:len(valid)-5]},
		{"truncated varint", "Draft", append(requestID, 0x80)},
		{"length past the end", "Draft", append(requestID, 40, 'r', 'e', 'q')},
		{"invalid UTF-8 in a string", "Draft", protowire.AppendString(requestID, "req-\xff\xfe-0001")},
		{"nesting deeper than the limit", "Nested", marshal(t, nested(grpcserver.MaxNesting+1))},
	}
	lead := e.token(t, lead)
	for _, tt := range tests {
		// The case must really be malformed for Go's protobuf as well.
		var target proto.Message = &frameworkv1.DraftFrameworkRequest{}
		if tt.method == "Nested" {
			target = &descriptorpb.DescriptorProto{}
		}
		if err := (proto.UnmarshalOptions{RecursionLimit: grpcserver.MaxNesting}).Unmarshal(tt.body, target); err == nil {
			t.Fatalf("%s: the body decodes", tt.name)
		}
		for who, token := range map[string]string{"no token": "", "token": lead} {
			t.Run(tt.name+", "+who, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				opts := []grpc.CallOption{grpc.ForceCodecV2(rawCodec{})}
				if token != "" {
					opts = append(opts, grpc.PerRPCCredentials(grpcserver.BearerCreds(token)))
				}
				var out []byte
				err := conn.Invoke(ctx, method(tt.method), tt.body, &out, opts...)
				wantCode(t, err, codes.InvalidArgument)
			})
		}
	}
	if n := e.svc.handled.Load(); n != 0 {
		t.Errorf("handlers were given %d malformed requests", n)
	}
	if n := len(e.logs.FilterMessage("rpc").FilterField(zap.String("code", codes.InvalidArgument.String())).All()); n != 2*len(tests) {
		t.Errorf("%d INVALID_ARGUMENT calls logged, want %d", n, 2*len(tests))
	}

	// The same shapes, well formed, are served: the limit is MaxNesting
	// deep, and the raw client sends what it is given.
	for name, call := range map[string]struct {
		method string
		body   []byte
	}{
		"nested as deep as the limit": {"Nested", marshal(t, nested(grpcserver.MaxNesting))},
		"valid draft":                 {"Draft", valid},
	} {
		var out []byte
		err := conn.Invoke(t.Context(), method(call.method), call.body, &out,
			grpc.ForceCodecV2(rawCodec{}), grpc.PerRPCCredentials(grpcserver.BearerCreds(lead)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := e.svc.handled.Load(); n != 2 {
		t.Errorf("handlers were given %d well-formed requests, want 2", n)
	}
}

// A stream's malformed message is INVALID_ARGUMENT for a caller allowed to
// call it; the others are refused before the message is read.
func TestMalformedStreamMessage(t *testing.T) {
	e, addr := serveTCP(t, nil)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "req-\xff\xfe-0001")
	for who, tt := range map[string]struct {
		token string
		want  codes.Code
	}{
		"lead":     {e.token(t, lead), codes.InvalidArgument},
		"viewer":   {e.token(t, viewer), codes.PermissionDenied},
		"no token": {"", codes.Unauthenticated},
	} {
		t.Run(who, func(t *testing.T) {
			opts := []grpc.CallOption{grpc.ForceCodecV2(rawCodec{})}
			if tt.token != "" {
				opts = append(opts, grpc.PerRPCCredentials(grpcserver.BearerCreds(tt.token)))
			}
			cs, err := conn.NewStream(t.Context(), &grpc.StreamDesc{ServerStreams: true}, method("Watch"), opts...)
			if err != nil {
				t.Fatal(err)
			}
			_ = cs.SendMsg(body) // the server may already have ended the call
			_ = cs.CloseSend()
			var out []byte
			err = cs.RecvMsg(&out)
			wantCode(t, err, tt.want)
		})
	}
	if n := e.svc.handled.Load(); n != 0 {
		t.Errorf("the stream handler was given %d malformed requests", n)
	}
}
