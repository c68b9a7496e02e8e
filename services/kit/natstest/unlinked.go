package natstest

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// UnlinkedEvent is an event of type fullName (e.g. "carecoop.test.v1.Future")
// with one string field, text = value, whose type is linked into no binary:
// what a newer replica writes and an older one reads. Append stores it under
// its full name; reading it back yields an *anypb.Any.
func UnlinkedEvent(t testing.TB, fullName, value string) proto.Message {
	t.Helper()
	i := strings.LastIndexByte(fullName, '.')
	pkg, name := fullName[:i], fullName[i+1:]
	fdp := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("unlinked/" + strings.ReplaceAll(fullName, ".", "_") + ".proto"),
		Package: proto.String(pkg),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String(name),
			Field: []*descriptorpb.FieldDescriptorProto{{
				Name: proto.String("text"), JsonName: proto.String("text"), Number: proto.Int32(1),
				Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
			}},
		}},
	}
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	md := fd.Messages().Get(0)
	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().ByName("text"), protoreflect.ValueOfString(value))
	return m
}
