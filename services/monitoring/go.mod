module github.com/carecoop/carecoop/services/monitoring

go 1.26.8

require (
	github.com/carecoop/carecoop/proto v0.0.0
	github.com/carecoop/carecoop/services/kit v0.0.0
	google.golang.org/protobuf v1.36.12
)

require (
	buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go v1.36.12-20260825204119-511051f7f437.1 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260819154853-08b0e4226688 // indirect
	google.golang.org/grpc v1.85.0 // indirect
)

replace (
	github.com/carecoop/carecoop/proto => ../../proto
	github.com/carecoop/carecoop/services/demand => ../demand
	github.com/carecoop/carecoop/services/framework => ../framework
	github.com/carecoop/carecoop/services/kit => ../kit
	github.com/carecoop/carecoop/services/purchasing => ../purchasing
)
