package proto_test

import (
	"slices"
	"strings"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

var services = []protoreflect.FileDescriptor{
	frameworkv1.File_carecoop_framework_v1_framework_service_proto,
	purchasingv1.File_carecoop_purchasing_v1_purchasing_service_proto,
	purchasingv1.File_carecoop_purchasing_v1_agreement_proto,
	purchasingv1.File_carecoop_purchasing_v1_block_contract_proto,
	demandv1.File_carecoop_demand_v1_demand_service_proto,
	monitoringv1.File_carecoop_monitoring_v1_monitoring_service_proto,
	notifyv1.File_carecoop_notify_v1_notify_service_proto,
}

// Issue 10, item 5 — one rule for all services, checked for the class:
// every string a caller sends, in every request of every service, is
// constrained. A date field uses the shared date rule (impossible dates
// such as 2024-02-30 are refused the same way everywhere); any other string
// is an identifier or code (pattern, in, const) or free text under the
// shared text rule (no control or bidirectional-control characters).
func TestEveryRequestStringIsConstrained(t *testing.T) {
	for _, file := range services {
		svcs := file.Services()
		for i := range svcs.Len() {
			methods := svcs.Get(i).Methods()
			for j := range methods.Len() {
				walk(t, methods.Get(j).Input(), string(methods.Get(j).Input().Name()), map[protoreflect.FullName]bool{})
			}
		}
	}
}

func walk(t *testing.T, md protoreflect.MessageDescriptor, path string, seen map[protoreflect.FullName]bool) {
	if seen[md.FullName()] || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return
	}
	seen[md.FullName()] = true
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		where := path + "." + string(fd.Name())
		if fd.Kind() == protoreflect.MessageKind {
			if fd.IsMap() {
				continue
			}
			walk(t, fd.Message(), where, seen)
			continue
		}
		if fd.Kind() != protoreflect.StringKind {
			continue
		}
		rules, _ := proto.GetExtension(fd.Options(), validate.E_Field).(*validate.FieldRules)
		s := rules.GetString()
		if rules.GetRepeated() != nil {
			s = rules.GetRepeated().GetItems().GetString()
		}
		isDate := proto.GetExtension(s, kitv1.E_Date).(bool)
		free := proto.GetExtension(s, kitv1.E_Text).(bool) || proto.GetExtension(s, kitv1.E_AboutChild).(bool)
		coded := s.GetPattern() != "" || len(s.GetIn()) > 0 || (s != nil && s.Const != nil)
		name := string(fd.Name())
		looksLikeDate := slices.ContainsFunc([]string{"_date", "_on", "_from", "as_at", "start_by", "expires"}, func(suffix string) bool {
			return strings.HasSuffix(name, suffix) || name == strings.TrimPrefix(suffix, "_")
		})
		switch {
		case looksLikeDate && !isDate && (s.GetPattern() == "" || strings.Contains(s.GetPattern(), "[0-9]{4}-[0-9]{2}-[0-9]{2}")):
			t.Errorf("%s (%s): a date without the shared date rule", where, fd.FullName())
		case !isDate && !free && !coded:
			t.Errorf("%s (%s): free text without the shared text rule", where, fd.FullName())
		}
	}
}
